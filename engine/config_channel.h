#pragma once
// The live configuration in the shared segment: read by every process before its decisions,
// changed by any process. A change is one versioned unit: concurrent writers are serialised
// by a pid lock (a dead holder's lock is taken over), a change names only the fields it sets
// and is merged into the configuration current at that moment, and readers see either the
// whole old or the whole new configuration, never a mix (see Config in segment_layout.h).
#include "options.h"
#include "segment_layout.h"

#include <QString>
#include <functional>
#include <optional>
#include <sys/types.h>

namespace throttlelab {

// The fields one change sets; the others keep the value current when it is applied.
struct ConfigPatch {
    std::optional<long long> max_n;
    std::optional<double> per;
    std::optional<Hardcap> hardcap;
    std::optional<PacingMode> mode;
    std::optional<double> correction;
    std::optional<double> rf_rate;
    std::optional<bool> auto_emit;

    static ConfigPatch everything(const ThrottleConfig& c);
    ThrottleConfig appliedTo(ThrottleConfig c) const;
    bool empty() const;
};

ThrottleConfig readConfig(const shm::Segment& s);
// Moves with every published change: a reader caches what it derived from the config and
// recomputes when this moves.
std::uint64_t configGeneration(const shm::Segment& s);

// Called with the writer lock held, around the publication of a change: `beforePublish`
// right before readers can see `after`, `afterPublish` right after. The pacing state is
// moved from one configuration's meaning to the other's there (pacer.h).
struct ConfigTransition {
    std::function<void(const ThrottleConfig& before, const ThrottleConfig& after)> beforePublish;
    std::function<void(const ThrottleConfig& before, const ThrottleConfig& after)> afterPublish;
};

// Merges `patch` into the current configuration, validates the result and publishes it.
// Returns the validation error (nothing changed), an error naming a writer that holds the
// lock and does not move (a stopped process), or empty on success; `*applied` is then the
// configuration now in force.
ConfigError changeConfig(shm::Segment& s, const ConfigPatch& patch, pid_t self,
                         const ConfigTransition& transition = {},
                         ThrottleConfig* applied = nullptr);

} // namespace throttlelab
