#pragma once
// The one home for how numbers read to a person: rates, gaps between permits, durations and
// the correction, in the CLI's lines, the app's labels and tables, and the jobs' progress.
// Machine output (JSON, CSV) writes full precision instead.
#include <QString>

namespace throttlelab {

// Permits (or results) per second, to about three significant digits: "0.25", "4.00",
// "38.5", "950", "12.5k", "2.40M".
QString formatRate(double per_second);
// A gap between events, in the unit that reads best: "850 ns", "12.5 us", "3.20 ms", "1.50 s".
// "-" when there is none (0 or less).
QString formatGap(double seconds);
// A time span as a person says it: "4.2 s", "3 min 05 s", "1 h 02 min"; "?" when unknown (< 0).
QString formatDuration(double seconds);
// The classic loop's correction, to 4 significant digits ("0.4426"); it is a fraction of the
// sleep, and more digits than the measurement holds would be noise.
QString formatCorrection(double correction);

} // namespace throttlelab
