// The throttle process. In classic mode it is the reference's loop, kept faithfully relative:
// add a token (unless the hardcap is reached), sleep per/max_n * (1 - correction), repeat;
// the time each iteration itself takes is never caught up, which is the drift that
// calibration corrects. In exact mode permits need no helper, so it only watches.
#include "futex.h"
#include "helper_process.h"
#include "pacer.h"
#include "process_identity.h"
#include "throttle_client.h"

#include <cstdio>

namespace throttlelab {

int runThrottleProcess(const QString& name) {
    QString error;
    auto client = ThrottleClient::attach(name, false, &error);
    if (!client) {
        std::fprintf(stderr, "throttle process: %s\n", qPrintable(error));
        return 1;
    }
    shm::Segment& s = client->data();
    s.helpers.throttle_pid.store(getpid());
    s.helpers.throttle_heartbeat_ns.store(monotonicNow(), std::memory_order_release);
    Nanos next_housekeeping = 0;
    while (!s.control.kill.load(std::memory_order_acquire)) {
        const Nanos now = monotonicNow();
        if (now >= next_housekeeping) {
            if (!client->ownerAlive()) break;
            s.helpers.throttle_heartbeat_ns.store(now, std::memory_order_release);
            s.helpers.throttle_cpu_ns.store(selfCpuTime(), std::memory_order_relaxed);
            // 4 Hz: an owner's death is still noticed well within 2 s, at a tenth of a
            // percent of a core less than 10 Hz.
            next_housekeeping = now + 250 * kNanosPerMilli;
        }
        const ThrottleConfig c = client->config();
        const std::uint32_t seen = s.control.wake.load(std::memory_order_acquire);
        if (c.mode != PacingMode::Classic) {
            futexWaitUntil(s.control.wake, seen, next_housekeeping);
            continue;
        }
        const PacingParams params = PacingParams::from(c);
        if (addClassicToken(s.pacing, params)) {
            s.pacing.last_token_ns.store(monotonicNow(), std::memory_order_relaxed);
            s.control.wake.fetch_add(1, std::memory_order_acq_rel);
            if (s.control.waiters.load(std::memory_order_acquire) > 0) futexWake(s.control.wake, 1);
        }
        const std::uint32_t generation = s.config.generation.load(std::memory_order_acquire);
        const Nanos sleep_ns =
            Nanos(double(fromSeconds(c.per)) / double(c.max_n) * (1.0 - c.correction));
        // Relative on purpose (see above). Woken early only by the kill flag or a live change.
        const Nanos until = monotonicNow() + sleep_ns;
        for (;;) {
            const std::uint32_t w = s.control.wake.load(std::memory_order_acquire);
            if (s.control.kill.load(std::memory_order_acquire) ||
                s.config.generation.load(std::memory_order_acquire) != generation ||
                monotonicNow() >= until)
                break;
            futexWaitUntil(s.control.wake, w,
                           std::min(until, monotonicNow() + 100 * kNanosPerMilli));
            if (monotonicNow() >= next_housekeeping) break; // a long sleep still checks its owner
        }
    }
    s.helpers.throttle_cpu_ns.store(selfCpuTime(), std::memory_order_relaxed);
    return 0;
}

} // namespace throttlelab
