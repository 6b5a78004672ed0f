// The throttle process. In classic mode it is the reference's loop, kept faithfully relative:
// add a token (unless the hardcap is reached), sleep per/max_n * (1 - correction), repeat;
// the time each iteration itself takes is never caught up, which is the drift that
// calibration corrects. In exact mode permits need no helper, so it only watches.
#include "futex.h"
#include "helper_process.h"
#include "pacer.h"
#include "process_identity.h"
#include "segment_access.h"
#include "throttle_client.h"

#include <csignal>
#include <cstdio>

namespace throttlelab {

int runThrottleProcess(const QString& name) {
    // Ctrl-C reaches the whole process group; the throttle ends through the owner's kill flag.
    std::signal(SIGINT, SIG_IGN);
    QString error;
    auto client = ThrottleClient::attach(name, AttachAs::Observer, &error);
    if (!client) {
        std::fprintf(stderr, "throttle process: %s\n", qPrintable(error));
        return 1;
    }
    shm::Segment& s = segmentOf(*client);
    s.helpers.throttle_pid.store(getpid());
    s.helpers.throttle_heartbeat_ns.store(monotonicNow(), std::memory_order_release);
    announceReady();
    Nanos next_housekeeping = 0;
    // Heartbeat, CPU time and the owner check, at 2.5 Hz: an owner's death is still noticed
    // well within 2 s, and the heartbeat well within the 1 s after which a helper is reported
    // stalled. False when the owner is gone.
    auto housekeeping = [&](Nanos now) {
        if (now < next_housekeeping) return true;
        if (!client->ownerAlive()) return false;
        s.helpers.throttle_heartbeat_ns.store(now, std::memory_order_release);
        s.helpers.throttle_cpu_ns.store(selfCpuTime(), std::memory_order_relaxed);
        next_housekeeping = now + 400 * kNanosPerMilli;
        return true;
    };
    auto sleepInterval = [](const ThrottleConfig& c) {
        return Nanos(double(fromSeconds(c.per)) / double(c.max_n) * (1.0 - c.correction));
    };
    // The run's first token comes at once, as in the reference. After a live switch from
    // exact, the banked permits were carried into the tank: the next token is an interval
    // away, or every switch would create one.
    bool token_due = true;
    while (!s.control.kill.load(std::memory_order_acquire)) {
        if (!housekeeping(monotonicNow())) break;
        ThrottleConfig c = client->config();
        const std::uint32_t seen = s.control.wake.load(std::memory_order_acquire);
        if (c.mode != PacingMode::Classic) {
            token_due = false;
            futexWaitUntil(s.control.wake, seen, next_housekeeping);
            continue;
        }
        if (token_due && addClassicToken(s.pacing, PacingParams::from(c))) {
            s.pacing.last_token_ns.store(monotonicNow(), std::memory_order_relaxed);
            s.control.wake.fetch_add(1, std::memory_order_acq_rel);
            // Every waiter: the oldest is served first (throttle_client.cpp), and it may not
            // be the one the kernel would pick.
            if (s.control.waiters.load(std::memory_order_acquire) > 0) futexWakeAll(s.control.wake);
        }
        token_due = true;
        // Relative on purpose (see above): the sleep starts after this iteration's own work.
        // A live change re-times the sleep from its start; only the kill flag ends it early.
        const Nanos sleep_start = monotonicNow();
        std::uint64_t generation = configGeneration(s);
        Nanos until = sleep_start + sleepInterval(c);
        for (;;) {
            const std::uint32_t w = s.control.wake.load(std::memory_order_acquire);
            if (s.control.kill.load(std::memory_order_acquire)) break;
            if (configGeneration(s) != generation) {
                generation = configGeneration(s);
                c = client->config();
                if (c.mode != PacingMode::Classic) break;
                until = sleep_start + sleepInterval(c);
            }
            const Nanos now = monotonicNow();
            if (now >= until) break;
            if (!housekeeping(now)) return 0;
            futexWaitUntil(s.control.wake, w, std::min(until, next_housekeeping));
        }
    }
    s.helpers.throttle_cpu_ns.store(selfCpuTime(), std::memory_order_relaxed);
    return 0;
}

} // namespace throttlelab
