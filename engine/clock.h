#pragma once
// Time in ThrottleLab is signed 64-bit nanoseconds of CLOCK_MONOTONIC: it is system-wide on Linux,
// so a timestamp taken in one process means the same instant in every other.
#include <cstdint>
#include <ctime>

namespace throttlelab {

using Nanos = std::int64_t;

constexpr Nanos kNanosPerSecond = 1'000'000'000;
constexpr Nanos kNanosPerMilli = 1'000'000;
constexpr Nanos kNanosPerMicro = 1'000;

inline Nanos monotonicNow() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return Nanos(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

constexpr double toSeconds(Nanos ns) {
    return double(ns) / double(kNanosPerSecond);
}
constexpr Nanos fromSeconds(double s) {
    return Nanos(s * double(kNanosPerSecond) + (s >= 0 ? 0.5 : -0.5));
}

} // namespace throttlelab
