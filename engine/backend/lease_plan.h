#pragma once
// The pure arithmetic of taking permits from a shared budget: how many to lease at once, when
// a lease's permits fall due on this machine, and a machine's fair share while the budget is
// unreachable. No clock is read here: every function takes the time, so each rule is
// unit-tested with made-up times.
#include "clock.h"

#include <cstdint>

namespace throttlelab::backend {

// How far ahead one lease reaches: 10 ms of permits at the budget's rate. A machine then
// calls the backend about 100 times a second however fast it takes permits, and holds at
// most 10 ms of the budget that another machine could have used.
constexpr Nanos kLeaseHorizon = 10 * kNanosPerMilli;

// The most permits one lease may ask for: the permits due within the horizon at
// `interval_ns` apart, at least one.
long long leaseCap(double interval_ns, Nanos horizon = kLeaseHorizon);

// Lease sizes follow demand: they start small (a machine that takes one permit a minute
// reserves nothing it won't use), double while every leased permit is taken before the next
// lease is due, and halve when permits come back unused.
class LeaseSizer {
public:
    explicit LeaseSizer(long long cap = 1);
    void setCap(long long cap);
    // The size to ask for now, at least `waiting` (every waiter is served by one lease).
    long long next(long long waiting) const;
    // The previous lease was all taken while more was wanted.
    void consumed();
    // `count` leased permits went back unused.
    void returned(long long count);
    long long size() const { return size_; }

private:
    long long cap_;
    long long size_ = 1;
};

// A lease as the backend granted it: `count` permits, the first due `first_due_ns` after the
// backend's reply arrived here (negative: already due; the bank), then one every
// `interval_ns`. They are put into the local tank at their due times, never before, so the
// permits of every machine together keep the budget's spacing.
struct LeaseSchedule {
    Nanos received_ns = 0; // local monotonic time of the reply
    double first_due_ns = 0;
    double interval_ns = 0;
    long long count = 0;
    long long released = 0;

    // How many of its permits are due by `now` (0 .. count).
    long long dueBy(Nanos now) const;
    // When its next unreleased permit is due; -1 once all are released.
    Nanos nextDue() const;
    bool done() const { return released >= count; }
};

// A machine's share of max_n while the budget is unreachable (policy local): max_n divided
// among the machines last seen, rounded down so the shares never add up to more than max_n,
// but at least 1 (more machines than permits: each keeps one, and the note says so).
long long fairShare(long long max_n, int machines);

// With the window hardcap, a permit leased from the backend is logged there `hold` ahead of
// the backend's clock: it must be taken here before `leaseDeadline` (counted from when the
// request was sent) or it is withdrawn. Then its logged time is never earlier than when it
// was really taken, so the backend's log bounds every window of the merged takes.
constexpr Nanos kWindowHold = 20 * kNanosPerMilli;
constexpr Nanos kWindowHoldMargin = 2 * kNanosPerMilli;
constexpr Nanos leaseDeadline(Nanos sent_ns, Nanos hold = kWindowHold) {
    return sent_ns + hold - kWindowHoldMargin;
}

} // namespace throttlelab::backend
