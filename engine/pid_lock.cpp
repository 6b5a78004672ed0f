#include "pid_lock.h"

#include "process_identity.h"

#include <sched.h>

namespace throttlelab {
namespace {
// A healthy holder keeps the lock for well under a microsecond; a holder seen stopped for
// this long is not coming back soon.
constexpr Nanos kStoppedHolderGrace = 50 * kNanosPerMilli;
} // namespace

bool acquirePidLock(shm::AI64& word, pid_t self, Nanos timeout_ns, StalledHolder stalled,
                    pid_t* holder) {
    const Nanos start = monotonicNow();
    Nanos stopped_since = -1;
    for (unsigned spins = 0;; ++spins) {
        std::int64_t expected = 0;
        if (word.compare_exchange_weak(expected, self, std::memory_order_acquire)) return true;
        if ((spins & 0x3ff) != 0x3ff) continue;
        if (expected != 0) {
            const ProcessIdentity h{pid_t(expected), 0};
            bool take_over = !h.isAlive();
            const Nanos now = monotonicNow();
            if (!take_over && stalled == StalledHolder::Steal) {
                if (!h.isStopped())
                    stopped_since = -1;
                else if (stopped_since < 0)
                    stopped_since = now;
                else if (now - stopped_since >= kStoppedHolderGrace)
                    take_over = true;
            }
            if (take_over &&
                word.compare_exchange_strong(expected, self, std::memory_order_acquire))
                return true;
            if (timeout_ns >= 0 && now - start >= timeout_ns) {
                if (holder) *holder = pid_t(expected);
                return false;
            }
        }
        sched_yield();
    }
}

bool releasePidLock(shm::AI64& word, pid_t self) {
    std::int64_t expected = self;
    return word.compare_exchange_strong(expected, 0, std::memory_order_release);
}

} // namespace throttlelab
