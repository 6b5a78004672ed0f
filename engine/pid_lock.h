#pragma once
// A lock across processes that no death can wedge: the lock word in the shared segment holds
// its holder's pid (0 when free). A waiter that finds the holder dead takes the lock over.
// Holders keep it for a few instructions only, so waiting spins, then yields.
#include "clock.h"
#include "segment_layout.h"

#include <sys/types.h>

namespace throttlelab {

enum class StalledHolder {
    Wait,  // a stopped holder keeps the lock: waiters give up at their deadline
    Steal, // a holder stopped for longer than the deadline loses the lock
};

// Takes the lock for `self`. Returns false only when a live holder kept it past `timeout_ns`
// (never, for timeout_ns < 0, unless the holder is stopped and `stalled` is Steal, in which
// case the lock is taken over). `*holder` is then the pid that kept it.
bool acquirePidLock(shm::AI64& word, pid_t self, Nanos timeout_ns, StalledHolder stalled,
                    pid_t* holder = nullptr);
// Frees the lock if `self` still holds it (false when it was taken over meanwhile).
bool releasePidLock(shm::AI64& word, pid_t self);

} // namespace throttlelab
