#pragma once
// How long a throttle has run: the sum of its runs, each from start to the moment its work
// was told to stop (the kill flag), not to when its processes were done. The one place that
// derives it from the control words; the owner, every client and the monitor call this.
#include "segment_layout.h"

namespace throttlelab {

// The run time as of `now` (monotonic). A run whose kill flag is set ends at the flag.
Nanos runtimeAt(const shm::Control& control, Nanos now);

} // namespace throttlelab
