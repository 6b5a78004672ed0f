#pragma once
// Blocking across processes. std::atomic::wait uses a process-private futex in libstdc++, so
// it never wakes another process; these use the shared futex on a word inside the segment.
#include "clock.h"

#include <atomic>
#include <cstdint>

namespace throttlelab {

// Sleeps while *word == expected, until woken or until the absolute monotonic `deadline`
// (no deadline when < 0). Returns at once if the word already differs. Spurious wake-ups
// happen: callers re-check their condition in a loop.
void futexWaitUntil(std::atomic<std::uint32_t>& word, std::uint32_t expected, Nanos deadline);
void futexWake(std::atomic<std::uint32_t>& word, int count);
void futexWakeAll(std::atomic<std::uint32_t>& word);

} // namespace throttlelab
