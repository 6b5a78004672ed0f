#pragma once
// Emissions travel from any number of workers to the one monitor through a bounded ring in
// the segment. A writer claims an index by CAS only while the ring has room, so nothing is
// ever overwritten; a full ring counts the emission as overflow, never silently.
#include "segment_layout.h"
#include "statistics.h"

#include <vector>

namespace throttlelab {

// Returns false (and counts overflow) when the ring is full.
bool pushEmission(shm::EmissionRing& ring, const Emission& e);

// The monitor sleeps until `until` or the next emission, unless the ring already holds one
// (then it returns false at once).
bool parkMonitorIfEmpty(shm::EmissionRing& ring, Nanos until);

// An entry claimed by a writer that died before publishing it would block the ring: after
// `after_ns` of waiting at the same entry (since `*since`, kept by the caller) it is skipped.
struct StuckEntryPolicy {
    Nanos now = 0;
    Nanos after_ns = 0;
    Nanos* since = nullptr;
};

// The monitor's read side. Copies the published entries from `cursor` on, in ring order, up
// to the first one stamped after `horizon` (it and everything after stay for a later call),
// and moves `cursor` past them. Nothing is released to writers: releaseEmissions() does that
// once the statistics that count them are published, so a monitor killed in between loses
// nothing. Skipped (abandoned) entries are added to `abandoned`.
std::size_t takeEmissions(const shm::EmissionRing& ring, std::uint64_t& cursor, Nanos horizon,
                          std::vector<Emission>& out, const StuckEntryPolicy& stuck,
                          std::uint64_t& abandoned);

// The published entries from `cursor` on that are not taken yet: all of them, and those
// stamped after `recent_after` (they count in the latest window).
struct ResidentCount {
    std::uint64_t total = 0;
    std::uint64_t recent = 0;
};
ResidentCount countResident(const shm::EmissionRing& ring, std::uint64_t cursor,
                            Nanos recent_after);

// Gives the entries below `cursor` back to the writers.
void releaseEmissions(shm::EmissionRing& ring, std::uint64_t cursor);

// Takes and releases every published entry at once, counting skipped ones as overflow (for
// readers that keep nothing across a crash, like the tests of the ring itself).
std::size_t drainEmissions(shm::EmissionRing& ring, std::vector<Emission>& out, Nanos now,
                           Nanos stuck_after_ns, Nanos* stuck_since);

} // namespace throttlelab
