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

// Moves every published entry to `out`. An entry claimed by a writer that died before
// publishing it would block the ring; after `stuck_after_ns` it is skipped and counted as
// overflow.
std::size_t drainEmissions(shm::EmissionRing& ring, std::vector<Emission>& out, Nanos now,
                           Nanos stuck_after_ns, Nanos* stuck_since);

} // namespace throttlelab
