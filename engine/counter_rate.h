#pragma once
// The rate of a growing counter (grants, classic tokens), watched for a while: taken between
// the first and the last change seen, so a low rate is not off by a whole event the way a
// count over a fixed time is.
#include "clock.h"

#include <cstdint>
#include <functional>

namespace throttlelab {

struct CounterRate {
    std::uint64_t events = 0; // between the first and the last change seen
    double seconds = 0;       // between them
    double rate() const { return seconds > 0 ? double(events) / seconds : 0; }
};

// Polls `read` every `poll_ns` for `seconds`.
CounterRate watchCounter(const std::function<std::uint64_t()>& read, double seconds,
                         Nanos poll_ns = 200 * kNanosPerMicro);

} // namespace throttlelab
