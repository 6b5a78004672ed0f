#pragma once
// The throttle process of a throttle whose budget is shared with other machines through
// Redis (ThrottleOptions::backend_url). Workers here take permits from the local segment
// exactly as always (a CAS on the tank, a futex wait); only this process talks to Redis:
// it leases permits when takers want them and puts them into the tank when they fall due,
// keeps this machine's settings and the budget's in step both ways, reports this machine
// to the others, and applies the user's policy while Redis is slow or gone.
#include <QString>

namespace throttlelab::backend {

// Runs until the kill flag or the owner's death; 1, with the reason in the segment's
// backend error, when Redis cannot be reached at the start.
int runSharedThrottleProcess(const QString& name);

} // namespace throttlelab::backend
