#pragma once
// What a worker process does with each permit: nothing, or sleep / burn CPU for a time drawn
// from a distribution. Written as `none`, `fixed:5ms`, `uniform:1ms-10ms` or `exp:5ms`,
// optionally followed by `:cpu` (busy work) or `:sleep` (the default).
#include "clock.h"

#include <QString>
#include <optional>
#include <random>

namespace throttlelab {

struct WorkProfile {
    enum class Distribution { None, Fixed, Uniform, Exponential };
    Distribution distribution = Distribution::None;
    Nanos a_ns = 0; // fixed / lower bound / mean
    Nanos b_ns = 0; // upper bound of uniform
    bool cpu = false;

    // Returns nullopt and sets `error` to one line naming what is accepted.
    static std::optional<WorkProfile> parse(const QString& text, QString* error);
    QString toString() const;
    Nanos sample(std::mt19937_64& rng) const;
    double meanSeconds() const;
};

// "5ms", "250us", "1.5s", "100ns"; nullopt when not a non-negative duration with a unit.
std::optional<Nanos> parseDuration(const QString& text);
// A duration as a work profile writes it (the inverse of parseDuration): "5ms", "250us".
QString profileDuration(Nanos ns);

// Spends `ns` sleeping or spinning on the CPU.
void performWork(Nanos ns, bool cpu);

} // namespace throttlelab
