#include "config_channel.h"

#include "fault_injection.h"
#include "pid_lock.h"

#include <bit>

namespace throttlelab {
namespace {

// A writer holds the lock for microseconds; one that keeps it this long is stopped.
constexpr Nanos kWriterLockTimeout = 2 * kNanosPerSecond;

ThrottleConfig readValues(const shm::ConfigValues& v) {
    ThrottleConfig c;
    c.max_n = v.max_n.load(std::memory_order_relaxed);
    c.per = toSeconds(v.per_ns.load(std::memory_order_relaxed));
    c.hardcap = Hardcap(v.hardcap.load(std::memory_order_relaxed));
    c.mode = PacingMode(v.mode.load(std::memory_order_relaxed));
    c.correction = std::bit_cast<double>(v.correction_bits.load(std::memory_order_relaxed));
    c.rf_rate = toSeconds(v.rf_rate_ns.load(std::memory_order_relaxed));
    c.auto_emit = v.auto_emit.load(std::memory_order_relaxed) != 0;
    return c;
}

void writeValues(shm::ConfigValues& v, const ThrottleConfig& c) {
    v.max_n.store(c.max_n, std::memory_order_relaxed);
    v.per_ns.store(fromSeconds(c.per), std::memory_order_relaxed);
    v.hardcap.store(std::uint32_t(c.hardcap), std::memory_order_relaxed);
    faultPoint(FaultPoint::ConfigWrite);
    v.mode.store(std::uint32_t(c.mode), std::memory_order_relaxed);
    v.correction_bits.store(std::bit_cast<std::uint64_t>(c.correction), std::memory_order_relaxed);
    v.rf_rate_ns.store(fromSeconds(c.rf_rate), std::memory_order_relaxed);
    v.auto_emit.store(c.auto_emit ? 1 : 0, std::memory_order_relaxed);
}

} // namespace

ConfigPatch ConfigPatch::everything(const ThrottleConfig& c) {
    return {c.max_n, c.per, c.hardcap, c.mode, c.correction, c.rf_rate, c.auto_emit};
}

ThrottleConfig ConfigPatch::appliedTo(ThrottleConfig c) const {
    if (max_n) c.max_n = *max_n;
    if (per) c.per = *per;
    if (hardcap) c.hardcap = *hardcap;
    if (mode) c.mode = *mode;
    if (correction) c.correction = *correction;
    if (rf_rate) c.rf_rate = *rf_rate;
    if (auto_emit) c.auto_emit = *auto_emit;
    return c;
}

bool ConfigPatch::empty() const {
    return !max_n && !per && !hardcap && !mode && !correction && !rf_rate && !auto_emit;
}

ThrottleConfig readConfig(const shm::Segment& s) {
    for (;;) {
        const std::uint64_t published = s.config.published.load(std::memory_order_acquire);
        const ThrottleConfig c = readValues(s.config.slot[published & 1]);
        std::atomic_thread_fence(std::memory_order_acquire);
        // Moved only if two changes were published during this copy: then copy again.
        if (s.config.published.load(std::memory_order_relaxed) == published) return c;
    }
}

std::uint64_t configGeneration(const shm::Segment& s) {
    return s.config.published.load(std::memory_order_acquire) >> 1;
}

ConfigError changeConfig(shm::Segment& s, const ConfigPatch& patch, pid_t self,
                         const ConfigTransition& transition, ThrottleConfig* applied) {
    pid_t holder = 0;
    if (!acquirePidLock(s.config.writer_pid, self, kWriterLockTimeout, StalledHolder::Wait,
                        &holder))
        return {ConfigInput::None,
                QStringLiteral("the configuration is being changed by pid %1, which does not "
                               "respond (stopped?); resume or end it, then try again")
                    .arg(holder)};
    const std::uint64_t published = s.config.published.load(std::memory_order_acquire);
    const ThrottleConfig before = readValues(s.config.slot[published & 1]);
    const ThrottleConfig after = patch.appliedTo(before);
    if (ConfigError e = checkConfig(after)) {
        releasePidLock(s.config.writer_pid, self);
        return e;
    }
    const std::uint64_t next = published & 1 ? 0 : 1;
    writeValues(s.config.slot[next], after);
    if (transition.beforePublish) transition.beforePublish(before, after);
    s.config.published.store((((published >> 1) + 1) << 1) | next, std::memory_order_release);
    if (transition.afterPublish) transition.afterPublish(before, after);
    releasePidLock(s.config.writer_pid, self);
    if (applied) *applied = after;
    return {};
}

} // namespace throttlelab
