#include "counter_rate.h"

#include <thread>

namespace throttlelab {

CounterRate watchCounter(const std::function<std::uint64_t()>& read, double seconds,
                         Nanos poll_ns) {
    const Nanos end = monotonicNow() + fromSeconds(seconds);
    std::uint64_t last = read();
    Nanos first_t = 0, last_t = 0;
    std::uint64_t first_n = 0, last_n = 0;
    while (monotonicNow() < end) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(poll_ns));
        const std::uint64_t n = read();
        if (n == last) continue;
        const Nanos t = monotonicNow();
        if (first_t == 0) {
            first_t = t;
            first_n = n;
        }
        last_t = t;
        last_n = n;
        last = n;
    }
    return {last_n - first_n, toSeconds(last_t - first_t)};
}

} // namespace throttlelab
