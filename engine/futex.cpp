#include "futex.h"

#include <climits>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace throttlelab {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

void futexWaitUntil(std::atomic<std::uint32_t>& word, std::uint32_t expected, Nanos deadline) {
    auto* addr = reinterpret_cast<std::uint32_t*>(&word);
    if (deadline < 0) {
        syscall(SYS_futex, addr, FUTEX_WAIT, expected, nullptr, nullptr, 0);
        return;
    }
    // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so a wake-up and re-wait
    // never stretches the total wait.
    timespec ts{time_t(deadline / kNanosPerSecond), long(deadline % kNanosPerSecond)};
    syscall(SYS_futex, addr, FUTEX_WAIT_BITSET, expected, &ts, nullptr, FUTEX_BITSET_MATCH_ANY);
}

void futexWake(std::atomic<std::uint32_t>& word, int count) {
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE, count, nullptr, nullptr,
            0);
}

void futexWakeAll(std::atomic<std::uint32_t>& word) {
    futexWake(word, INT_MAX);
}

} // namespace throttlelab
