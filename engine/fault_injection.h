#pragma once
// Deterministic fault injection for the crash tests. In a build with
// THROTTLELAB_FAULT_INJECTION (the default whenever tests are built), each named point below
// checks one process-wide word; when the environment says
//
//   THROTTLELAB_FAULT=<point>[@<n>][:stop]
//
// the process SIGKILLs itself (or SIGSTOPs itself, with :stop) the n-th time (default: the
// first) it passes <point>. The points sit *inside* the operations a death could tear, so a
// test can prove that every reader, replacement and the owner recover from exactly there.
// Without the option faultPoint() is empty and costs nothing.
#include <QString>

namespace throttlelab {

enum class FaultPoint {
    None = 0,
    MonitorStatsPublish,  // monitor: half of the statistics words written
    MonitorHistoryAppend, // monitor: a history point half written
    MonitorLogWritten,    // monitor: permit-log rows written, statistics not yet published
    EmissionReserved,     // emitter: a ring index claimed, its entry not yet filled
    WindowLockHeld,       // worker: holding the window hardcap's lock
    ConfigWrite,          // config writer: the new slot half written, holding the writer lock
    GrantUnrecorded,      // worker: a permit granted, not yet recorded in its slot
};

// The names used in THROTTLELAB_FAULT, e.g. "monitor.stats-publish".
QString faultPointName(FaultPoint p);

#ifdef THROTTLELAB_FAULT_INJECTION
namespace detail {
extern const int g_armed_fault_point; // a FaultPoint, 0 when none is armed
void hitFaultPoint(FaultPoint p);
} // namespace detail
inline void faultPoint(FaultPoint p) {
    if (detail::g_armed_fault_point == int(p)) [[unlikely]]
        detail::hitFaultPoint(p);
}
constexpr bool kFaultInjectionBuilt = true;
#else
inline void faultPoint(FaultPoint) {}
constexpr bool kFaultInjectionBuilt = false;
#endif

} // namespace throttlelab
