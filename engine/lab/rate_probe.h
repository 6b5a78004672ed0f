#pragma once
// Measures the rate a configuration really achieves: a temporary throttle with real helper
// processes, drained by in-process consumers as fast as it grants. Used by the calibration
// view's sweep and by the benchmarks.
#include "options.h"

#include <QString>
#include <atomic>
#include <cstdint>

namespace throttlelab {

struct RateProbeResult {
    QString error;
    double target_rate = 0;
    double achieved_rate = 0;
    double seconds = 0;
    std::uint64_t permits = 0;
};

// Blocks for about `seconds`; call it off the GUI thread.
RateProbeResult probeRate(const ThrottleConfig& config, double seconds, int consumers = 2,
                          const std::atomic<bool>* cancel = nullptr);

} // namespace throttlelab
