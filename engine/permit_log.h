#pragma once
// The permit log the monitor writes with --log (one CSV row per permit: worker,grant_s,emit_s
// in monotonic seconds), read back for window-compliance checks.
#include "clock.h"

#include <QString>
#include <vector>

namespace throttlelab {

// "12345.000000250" as nanoseconds, without a trip through a double (which could move a grant
// across a window edge by a nanosecond).
Nanos parseLogSeconds(const QString& seconds);

// The grant times of every row, sorted; empty when the file cannot be read.
std::vector<Nanos> readPermitLogGrants(const QString& path);

} // namespace throttlelab
