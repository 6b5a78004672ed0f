#pragma once
// Grant decisions, as pure functions of the shared pacing state, the configuration and the
// time `now` (nanoseconds since the segment's creation). Nothing here sleeps or reads a clock,
// so every rule is unit-tested with made-up times.
//
// exact mode is GCRA (a "theoretical arrival time" moved by one CAS per grant): permits are
// spaced per/max_n apart and at most `burst` may be taken at once after idle, where burst is
// max_n for 'limit' and 'window', 1 for 'one', and unbounded for 'none'. classic mode takes
// tokens from a tank the throttle process fills with a sleep loop, as the reference does.
// The window hardcap adds, in either mode, that no window of length `per` holds more than
// max_n grants.
#include "clock.h"
#include "options.h"
#include "segment_layout.h"

#include <sys/types.h>

namespace throttlelab {

struct PacingParams {
    PacingMode mode = PacingMode::Exact;
    Hardcap hardcap = Hardcap::Limit;
    bool unlimited = false; // no throttle: every request is granted (as_throttle = false)
    long long max_n = 1;
    Nanos per_ns = kNanosPerSecond;
    std::int64_t interval_q = 0; // per/max_n in 1/256 ns
    std::int64_t tau_q = 0;      // how far tat may run ahead of now: (burst - 1) intervals

    static PacingParams from(const ThrottleConfig& c, bool as_throttle = true,
                             std::uint64_t feed = shm::packFeed(shm::FeedKind::Local, 0));
    // What a segment's processes use: its configuration, whether it throttles at all, and
    // where its permits come from now (shm::FeedKind).
    static PacingParams of(const shm::Segment& s, const ThrottleConfig& c);
    long long burst() const; // -1 when unbounded
};

struct GrantResult {
    bool granted = false;
    Nanos grant_ns = 0;  // when granted: the time recorded for the grant
    Nanos retry_ns = -1; // when refused: the earliest time a retry can succeed, -1 if unknown
};

// Puts the state as a fresh start() leaves it: one permit available at once, no banked
// tokens, no stale tokens from an earlier run. The window ring is kept on purpose: grants of
// the previous run still count against the window.
void resetPacing(shm::Pacing& p, const PacingParams& params, Nanos now);

// A live change keeps what was banked or owed, counted in permits: 0.5 permits owed at the
// old rate are 0.5 permits owed at the new one. (Keeping the raw timestamp instead would
// leave a change from 1 per 1000 s to 1000/s waiting out the old 1000 s.) A switch between
// classic and exact carries the tank over the same way, and creates no permit.
//
// A change is applied in two halves around the publication of the new configuration, so no
// grant can use one configuration's meaning of the state with the other's parameters:
// closePacingForChange() takes the banked permits out (the tank emptied, or tat moved out of
// reach for 100 ms) and returns how many there were; openPacingAfterChange() puts them back
// in the new configuration's terms. Between the two every grant is refused, and a writer that
// dies between them costs at most the permits it took out (none are created).
double closePacingForChange(shm::Pacing& p, const PacingParams& before, const PacingParams& after,
                            Nanos now);
void openPacingAfterChange(shm::Pacing& p, const PacingParams& after, double tokens, Nanos now);
// Both halves at once (for a change nobody else can observe).
void rescalePacing(shm::Pacing& p, const PacingParams& before, const PacingParams& after,
                   Nanos now);

// Never blocks (the window hardcap's tiny critical section is bounded and steals the lock of
// a dead holder).
GrantResult tryGrant(shm::Pacing& p, const PacingParams& params, Nanos now, pid_t self);

// Permits that could be taken right now (the tank level); -1 when unbounded.
long long availablePermits(const shm::Pacing& p, const PacingParams& params, Nanos now);

// min(availablePermits(), cap) in O(cap), whatever max_n: what a waiter deciding whether it
// may go before older waiters needs to know (are there enough permits for all of them?).
long long availableUpTo(const shm::Pacing& p, const PacingParams& params, Nanos now, long long cap);

// classic mode: the throttle process adds one token unless the hardcap forbids it.
bool addClassicToken(shm::Pacing& p, const PacingParams& params);

// The largest number of grants in any half-open window (t - per, t] of a sorted list of grant
// times: what the window hardcap promises never exceeds max_n.
long long maxInAnyWindow(const Nanos* sorted_times, std::size_t count, Nanos per_ns);

} // namespace throttlelab
