#include "fault_injection.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace throttlelab {

QString faultPointName(FaultPoint p) {
    switch (p) {
    case FaultPoint::None:
        return {};
    case FaultPoint::MonitorStatsPublish:
        return QStringLiteral("monitor.stats-publish");
    case FaultPoint::MonitorHistoryAppend:
        return QStringLiteral("monitor.history-append");
    case FaultPoint::MonitorLogWritten:
        return QStringLiteral("monitor.log-written");
    case FaultPoint::EmissionReserved:
        return QStringLiteral("emit.reserved");
    case FaultPoint::WindowLockHeld:
        return QStringLiteral("grant.window-lock");
    case FaultPoint::ConfigWrite:
        return QStringLiteral("config.write");
    case FaultPoint::GrantUnrecorded:
        return QStringLiteral("grant.unrecorded");
    }
    return {};
}

#ifdef THROTTLELAB_FAULT_INJECTION
namespace detail {
namespace {

struct Spec {
    int point = 0;
    long hit_on = 1;
    bool stop = false;
};

// Parsed once, before main(), from plain C strings: no allocation on the hot path.
Spec parseSpec() {
    Spec spec;
    const char* env = std::getenv("THROTTLELAB_FAULT");
    if (!env || !*env) return spec;
    char buf[128];
    std::strncpy(buf, env, sizeof buf - 1);
    buf[sizeof buf - 1] = 0;
    if (char* colon = std::strchr(buf, ':')) {
        spec.stop = std::strcmp(colon + 1, "stop") == 0;
        *colon = 0;
    }
    if (char* at = std::strchr(buf, '@')) {
        spec.hit_on = std::max(1L, std::strtol(at + 1, nullptr, 10));
        *at = 0;
    }
    for (int p = 1; p <= int(FaultPoint::GrantUnrecorded); ++p)
        if (faultPointName(FaultPoint(p)).toLatin1() == buf) spec.point = p;
    return spec;
}

const Spec g_spec = parseSpec();
std::atomic<long> g_hits{0};

} // namespace

const int g_armed_fault_point = g_spec.point;

void hitFaultPoint(FaultPoint) {
    if (g_hits.fetch_add(1) + 1 != g_spec.hit_on) return;
    ::kill(getpid(), g_spec.stop ? SIGSTOP : SIGKILL);
}

} // namespace detail
#endif

} // namespace throttlelab
