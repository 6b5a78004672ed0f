#include "throttle_client.h"

#include "run_time.h"
#include "segment_access.h"

#include "emission_ring.h"
#include "fault_injection.h"
#include "futex.h"
#include "pacer.h"
#include "process_identity.h"
#include "stats_channel.h"

#include <bit>
#include <cmath>
#include <unistd.h>

namespace throttlelab {
namespace {

// The owner is checked for life this often while waiting (a /proc read costs ~10 us).
constexpr Nanos kOwnerCheckPeriod = 100 * kNanosPerMilli;
// A wait that starts within this of the same handle's timed-out wait continues it.
constexpr Nanos kSlicedWaitGap = 20 * kNanosPerMilli;
// Below this, a futex round trip costs more than the wait: spin instead.
constexpr Nanos kSpinBelow = 30 * kNanosPerMicro;
// A waiter lets older waiters take an available permit first, but never for longer than this
// (an older one may be descheduled, stopped or dead).
constexpr Nanos kYieldToOlderAtMost = 2 * kNanosPerMilli;
// While yielding, a waiter looks again this often.
constexpr Nanos kYieldPoll = 50 * kNanosPerMicro;
// Arrival order is kept up to 500k permits/s: above, the check would cost a good part of the
// interval, and every waiter is served hundreds of thousands of times a second anyway.
constexpr std::int64_t kFairnessBelowRateInterval = std::int64_t(2 * kNanosPerMicro)
                                                    << shm::kTatShift;
// A futex sleep towards a deadline ends early by what this process's timed sleeps have
// lately overslept (plus a margin), and spins the rest: a waiter then takes its permit
// within microseconds of its due time, not a wake-up later. A busy machine oversleeps
// little and spins little; an idle virtual machine, whose halted CPU wakes late, spins more.
constexpr Nanos kWakeEarlyMargin = 10 * kNanosPerMicro;
constexpr Nanos kWakeEarlyMax = 200 * kNanosPerMicro;

// The waiters that began waiting before `since` (ties: the lower slot) and were not passed
// over in this wait. With `pass_over`, marks each of them passed over: they had their chance
// and did not take it (stopped, descheduled or dead), so nobody yields to that wait again.
// They may still take a permit; they have lost their turn, no more.
int olderWaiters(shm::Segment& s, int self, Nanos since, bool pass_over = false) {
    int older = 0;
    for (std::size_t i = 0; i < shm::kMaxWorkers; ++i) {
        if (int(i) == self) continue;
        shm::WorkerSlot& w = s.workers[i];
        if (w.state.load(std::memory_order_relaxed) != std::uint32_t(shm::WorkerState::Waiting) ||
            w.pid.load(std::memory_order_relaxed) <= 0)
            continue;
        const Nanos other = w.waiting_since_ns.load(std::memory_order_relaxed);
        if (w.passed_over_since.load(std::memory_order_relaxed) == other) continue;
        if (other < since || (other == since && int(i) < self)) {
            ++older;
            if (pass_over) {
                Nanos unmarked = w.passed_over_since.load(std::memory_order_relaxed);
                // Counted once per wait, however many younger waiters give up on it.
                if (unmarked != other && w.passed_over_since.compare_exchange_strong(
                                             unmarked, other, std::memory_order_relaxed))
                    s.control.waits_passed_over.fetch_add(1, std::memory_order_relaxed);
            }
        }
    }
    return older;
}

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

} // namespace

QString toString(WaitResult r) {
    switch (r) {
    case WaitResult::Granted:
        return QStringLiteral("granted");
    case WaitResult::TimedOut:
        return QStringLiteral("timed out");
    case WaitResult::Killed:
        return QStringLiteral("killed");
    case WaitResult::Gone:
        return QStringLiteral("throttle gone");
    }
    return {};
}

std::uint64_t totalGranted(const shm::Segment& s) {
    std::uint64_t n = s.pacing.granted.load(std::memory_order_acquire);
    for (const shm::WorkerSlot& w : s.workers)
        if (w.pid.load(std::memory_order_acquire) > 0)
            n += w.grants.load(std::memory_order_relaxed);
    // A slot freed after a reset folds grants of the run before it: never count below zero.
    const std::uint64_t base = s.control.granted_base.load(std::memory_order_acquire);
    return n > base ? n - base : 0;
}

bool releaseWorkerSlot(shm::Segment& s, std::size_t slot, std::int64_t expected_pid) {
    shm::WorkerSlot& w = s.workers[slot];
    // -1 marks the slot as being freed: no attacher takes it (they wait for 0) until its count
    // is folded.
    if (!w.pid.compare_exchange_strong(expected_pid, -1, std::memory_order_acq_rel)) return false;
    s.pacing.granted.fetch_add(w.grants.load(std::memory_order_acquire), std::memory_order_acq_rel);
    w.grants.store(0, std::memory_order_relaxed);
    w.state.store(std::uint32_t(shm::WorkerState::Free), std::memory_order_relaxed);
    w.pid.store(0, std::memory_order_release);
    return true;
}

void askBackend(shm::Segment& s) {
    // Sequentially consistent with the throttle process's park: either it sees the new
    // demand before it sleeps (the futex compares it), or this sees it parked and wakes it.
    s.backend.demand.fetch_add(1, std::memory_order_seq_cst);
    if (s.backend.throttle_parked.load(std::memory_order_seq_cst)) futexWakeAll(s.backend.demand);
}

void signalEvent(shm::Segment& s) {
    s.control.wake.fetch_add(1, std::memory_order_acq_rel);
    futexWakeAll(s.control.wake);
    askBackend(s);
    s.emissions.monitor_wake.fetch_add(1, std::memory_order_acq_rel);
    futexWakeAll(s.emissions.monitor_wake);
}

std::unique_ptr<ThrottleClient> ThrottleClient::attach(const QString& name, AttachAs as,
                                                       QString* error) {
    if (ConfigError e = checkName(name)) {
        *error = e.message();
        return nullptr;
    }
    std::shared_ptr<SharedSegment> seg = SharedSegment::attach(name, error);
    if (!seg) return nullptr;
    return std::make_unique<ThrottleClient>(std::move(seg), as);
}

ThrottleClient::ThrottleClient(std::shared_ptr<SharedSegment> segment, AttachAs as)
    : segment_(std::move(segment))
    , pid_(getpid())
    , params_(std::make_unique<PacingParams>()) {
    if (as != AttachAs::Worker) return;
    const ProcessIdentity me = ProcessIdentity::self();
    for (std::size_t i = 0; i < shm::kMaxWorkers; ++i) {
        shm::WorkerSlot& w = data().workers[i];
        std::int64_t expected = 0;
        if (w.pid.compare_exchange_strong(expected, me.pid)) {
            w.start_ticks.store(me.start_ticks);
            w.grants.store(0);
            w.emits.store(0);
            w.last_grant_ns.store(0);
            w.waiting_since_ns.store(0);
            w.passed_over_since.store(-1);
            w.attached_ns.store(monotonicNow());
            w.state.store(std::uint32_t(shm::WorkerState::Idle), std::memory_order_release);
            slot_ = int(i);
            break;
        }
    }
}

ThrottleClient::~ThrottleClient() {
    if (slot_ < 0) return;
    releaseWorkerSlot(data(), std::size_t(slot_), pid_);
}

const PacingParams& ThrottleClient::params() {
    const std::uint64_t gen = configGeneration(data());
    const std::uint64_t feed = data().backend.feed.load(std::memory_order_acquire);
    if (gen != params_generation_ || feed != params_feed_) {
        const ThrottleConfig c = readConfig(data());
        *params_ = PacingParams::of(data(), c);
        auto_emit_ = c.auto_emit;
        params_generation_ = gen;
        params_feed_ = feed;
    }
    return *params_;
}

void ThrottleClient::recordGrant(Nanos grant_ns) {
    shm::Segment& s = data();
    last_grant_ns_ = grant_ns;
    const std::uint32_t worker =
        slot_ >= 0 ? std::uint32_t(slot_) : std::uint32_t(shm::kMaxWorkers);
    params();
    const bool auto_emit = auto_emit_;
    if (slot_ >= 0) {
        // This process is the slot's only writer: a load and a store, no contended RMW.
        shm::WorkerSlot& w = s.workers[std::size_t(slot_)];
        w.grants.store(w.grants.load(std::memory_order_relaxed) + 1, std::memory_order_release);
        w.last_grant_ns.store(grant_ns, std::memory_order_relaxed);
        if (auto_emit)
            w.emits.store(w.emits.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        const auto working = std::uint32_t(shm::WorkerState::Working);
        if (w.state.load(std::memory_order_relaxed) != working)
            w.state.store(working, std::memory_order_relaxed);
    } else {
        s.pacing.granted.fetch_add(1, std::memory_order_relaxed);
    }
    if (auto_emit && s.config.as_monitor.load(std::memory_order_relaxed))
        pushEmission(s.emissions, {grant_ns, grant_ns, worker, pid_});
}

bool ThrottleClient::hasFuel() {
    shm::Segment& s = data();
    if (s.control.kill.load(std::memory_order_acquire) ||
        s.control.run_state.load(std::memory_order_acquire) !=
            std::uint32_t(shm::RunState::Running))
        return false;
    const Nanos now = monotonicNow();
    const GrantResult r = tryGrant(s.pacing, params(), segment_->relative(now), pid_);
    if (!r.granted) {
        if (shm::feedKind(params_feed_) == shm::FeedKind::Leased) askBackend(s);
        return false;
    }
    faultPoint(FaultPoint::GrantUnrecorded);
    recordGrant(r.grant_ns + s.header.created_ns);
    return true;
}

WaitResult ThrottleClient::awaitFuel() {
    return awaitFuelUntil(std::nullopt);
}

WaitResult ThrottleClient::awaitFuel(std::chrono::duration<double> timeout) {
    if (!std::isfinite(timeout.count())) return awaitFuelUntil(std::nullopt);
    return awaitFuelUntil(monotonicNow() + fromSeconds(std::max(0.0, timeout.count())));
}

WaitResult ThrottleClient::awaitFuelUntil(std::optional<Nanos> until) {
    shm::Segment& s = data();
    const Nanos now_at_start = monotonicNow();
    // A caller that waits in slices (Python, to stay interruptible by Ctrl-C) comes straight
    // back after each timeout: it keeps its place among the waiters, or it would be the
    // youngest every time and starve (seen: 0, 3 and 4 permits for 3 such workers).
    const Nanos start = now_at_start - last_timed_out_ns_ <= kSlicedWaitGap
                            ? resumed_waiting_since_ns_
                            : now_at_start;
    last_timed_out_ns_ = std::numeric_limits<Nanos>::min() / 2;
    const Nanos deadline = until ? *until : -1; // -1: none, in the loop below
    if (slot_ >= 0) {
        shm::WorkerSlot& w = s.workers[std::size_t(slot_)];
        w.waiting_since_ns.store(start, std::memory_order_relaxed);
        w.state.store(std::uint32_t(shm::WorkerState::Waiting), std::memory_order_release);
    }
    s.control.waiters.fetch_add(1, std::memory_order_acq_rel);
    WaitResult result = WaitResult::TimedOut;
    Nanos yield_since = -1; // when this waiter began yielding an available permit
    // Timer slack is per thread: without this a sleep to a deadline ends ~50 us late.
    static thread_local bool precise = (usePreciseTimers(), true);
    (void)precise;
    for (;;) {
        const std::uint32_t seen = s.control.wake.load(std::memory_order_acquire);
        if (s.control.kill.load(std::memory_order_acquire)) {
            result = WaitResult::Killed;
            break;
        }
        Nanos now = monotonicNow();
        if (owner_gone_ || now - last_owner_check_ns_ >= kOwnerCheckPeriod) {
            last_owner_check_ns_ = now;
            if (owner_gone_ || !segment_->ownerAlive()) {
                owner_gone_ = true;
                result = WaitResult::Gone;
                break;
            }
        }
        Nanos wake_at = now + kOwnerCheckPeriod;
        if (slot_ >= 0) {
            // Passed over while it did not run (descheduled past the 2 ms): running again, it
            // takes its place back, so it loses one turn, not every turn until it wins a race
            // (seen: 6 turns in a row). A stopped process never gets here, so nobody waits
            // for it twice.
            shm::AI64& passed = s.workers[std::size_t(slot_)].passed_over_since;
            if (passed.load(std::memory_order_relaxed) == start)
                passed.store(-1, std::memory_order_relaxed);
        }
        if (s.control.run_state.load(std::memory_order_acquire) ==
            std::uint32_t(shm::RunState::Running)) {
            const PacingParams& pp = params();
            const Nanos rel = segment_->relative(now);
            // Oldest first, in both modes: a waiter goes before older waiters only when there
            // are permits enough for all of them too. Without this the fastest process, or
            // the one whose work ends as a token arrives, wins every race (seen: 19 of 25
            // permits to one of 4 workers in exact mode, 117/3/1/0 in classic mode).
            bool yield = false;
            if (slot_ >= 0 && !pp.unlimited && pp.interval_q >= kFairnessBelowRateInterval &&
                s.control.waiters.load(std::memory_order_relaxed) > 1) {
                const int older = olderWaiters(s, slot_, start);
                const long long available =
                    older > 0 ? availableUpTo(s.pacing, pp, rel, older + 1) : 0;
                if (available > 0 && available <= older) {
                    if (yield_since < 0) yield_since = now;
                    if (now - yield_since < kYieldToOlderAtMost)
                        yield = true;
                    else // yielded in vain for the whole bound: they are not coming
                        olderWaiters(s, slot_, start, true);
                } else if (available == 0) {
                    yield_since = -1; // the next permit starts a new chance for them
                }
            }
            const GrantResult r =
                yield ? GrantResult{false, 0, -1} : tryGrant(s.pacing, pp, rel, pid_);
            if (yield) wake_at = std::min(wake_at, now + kYieldPoll);
            if (r.granted) {
                faultPoint(FaultPoint::GrantUnrecorded);
                s.control.waiters.fetch_sub(1, std::memory_order_acq_rel);
                recordGrant(r.grant_ns + s.header.created_ns);
                return WaitResult::Granted;
            }
            if (r.retry_ns >= 0) wake_at = std::min(wake_at, r.retry_ns + s.header.created_ns);
            if (!yield && shm::feedKind(params_feed_) == shm::FeedKind::Leased) askBackend(s);
        }
        if (deadline >= 0) {
            if (now >= deadline) break;
            wake_at = std::min(wake_at, deadline);
        }
        if (wake_at - now < kSpinBelow) {
            while (monotonicNow() < wake_at &&
                   s.control.wake.load(std::memory_order_acquire) == seen)
                cpuRelax();
        } else {
            const Nanos early = std::min(oversleep_ns_ + kWakeEarlyMargin, kWakeEarlyMax);
            futexWaitUntil(s.control.wake, seen, wake_at - early);
            // Nobody woke it: the sleep ran to its deadline, and how late it ended teaches
            // the next one (a moving average over about 8 sleeps).
            if (s.control.wake.load(std::memory_order_acquire) == seen) {
                const Nanos late =
                    std::clamp<Nanos>(monotonicNow() - (wake_at - early), 0, kWakeEarlyMax);
                oversleep_ns_ += (late - oversleep_ns_) / 8;
            }
        }
    }
    s.control.waiters.fetch_sub(1, std::memory_order_acq_rel);
    if (slot_ >= 0)
        s.workers[std::size_t(slot_)].state.store(std::uint32_t(shm::WorkerState::Idle));
    if (result == WaitResult::TimedOut) {
        last_timed_out_ns_ = monotonicNow();
        resumed_waiting_since_ns_ = start;
    }
    return result;
}

bool ThrottleClient::emitAt(Nanos t) {
    shm::Segment& s = data();
    params();
    if (auto_emit_) return false;
    const std::uint32_t worker =
        slot_ >= 0 ? std::uint32_t(slot_) : std::uint32_t(shm::kMaxWorkers);
    if (slot_ >= 0) {
        shm::WorkerSlot& w = s.workers[std::size_t(slot_)];
        w.emits.store(w.emits.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        w.state.store(std::uint32_t(shm::WorkerState::Idle), std::memory_order_relaxed);
    }
    if (s.config.as_monitor.load(std::memory_order_relaxed))
        pushEmission(s.emissions, {last_grant_ns_ > 0 ? last_grant_ns_ : t, t, worker, pid_});
    return true;
}

ThrottleConfig ThrottleClient::config() const {
    return readConfig(data());
}

ConfigError ThrottleClient::setConfig(const ThrottleConfig& c) {
    return changeConfig(ConfigPatch::everything(c));
}

ConfigError ThrottleClient::changeConfig(const ConfigPatch& patch, ThrottleConfig* applied) {
    shm::Segment& s = data();
    if (s.backend.url[0] != 0 && patch.mode && *patch.mode == PacingMode::Classic)
        return checkSharedConfig(patch.appliedTo(readConfig(s)));
    double banked = 0;
    ConfigTransition t;
    t.beforePublish = [&](const ThrottleConfig& before, const ThrottleConfig& after) {
        banked =
            closePacingForChange(s.pacing, PacingParams::of(s, before), PacingParams::of(s, after),
                                 segment_->relative(monotonicNow()));
    };
    t.afterPublish = [&](const ThrottleConfig&, const ThrottleConfig& after) {
        openPacingAfterChange(s.pacing, PacingParams::of(s, after), banked,
                              segment_->relative(monotonicNow()));
    };
    if (ConfigError e = throttlelab::changeConfig(s, patch, pid_, t, applied)) return e;
    signalEvent(s);
    return {};
}

StatsSnapshot ThrottleClient::stats() const {
    return readStats(data().stats);
}

bool ThrottleClient::killed() const {
    return data().control.kill.load(std::memory_order_acquire);
}

WaitResult ThrottleClient::awaitKill(std::optional<std::chrono::duration<double>> timeout) {
    shm::Segment& s = data();
    const Nanos deadline = timeout && std::isfinite(timeout->count())
                               ? monotonicNow() + fromSeconds(std::max(0.0, timeout->count()))
                               : -1;
    for (;;) {
        const std::uint32_t seen = s.control.wake.load(std::memory_order_acquire);
        if (s.control.kill.load(std::memory_order_acquire)) return WaitResult::Killed;
        if (!segment_->ownerAlive()) return WaitResult::Gone;
        const Nanos now = monotonicNow();
        if (deadline >= 0 && now >= deadline) return WaitResult::TimedOut;
        // The owner's death bumps no futex word: look again at least every check period.
        Nanos wake_at = now + kOwnerCheckPeriod;
        if (deadline >= 0) wake_at = std::min(wake_at, deadline);
        futexWaitUntil(s.control.wake, seen, wake_at);
    }
}

void ThrottleClient::clearKillFlag() {
    data().control.stop_requested.store(0, std::memory_order_release);
    data().control.kill.store(0, std::memory_order_release);
    signalEvent(data());
}

void ThrottleClient::requestStop() {
    data().control.stop_requested.store(1, std::memory_order_release);
    data().control.kill.store(1, std::memory_order_release);
    signalEvent(data());
}

bool ThrottleClient::stopRequested() const {
    return data().control.stop_requested.load(std::memory_order_acquire) != 0;
}

QString ThrottleClient::name() const {
    return segment_->name();
}

std::uint64_t ThrottleClient::granted() const {
    return totalGranted(data());
}

Nanos ThrottleClient::nextPermitDue() const {
    const shm::Segment& s = data();
    return (s.pacing.tat.load() >> shm::kTatShift) + s.header.created_ns;
}

Nanos ThrottleClient::lastTokenAdded() const {
    return data().pacing.last_token_ns.load();
}

std::vector<HistorySample> ThrottleClient::history(std::uint64_t after, std::uint64_t* next) const {
    return readHistory(data().history, after, next);
}

BackendInfo ThrottleClient::backendInfo() const {
    const shm::Segment& s = data();
    BackendInfo b;
    const shm::Backend& k = s.backend;
    b.url = QString::fromUtf8(k.url, int(qstrnlen(k.url, sizeof k.url)));
    if (b.url.isEmpty()) return b;
    static const char* states[] = {"none", "connecting", "connected", "lost"};
    b.state = QString::fromLatin1(states[k.state.load() & 3]);
    b.policy = toString(BackendLossPolicy(k.policy.load()));
    const std::uint64_t feed = k.feed.load();
    const ThrottleConfig c = readConfig(s);
    switch (shm::feedKind(feed)) {
    case shm::FeedKind::Local:
    case shm::FeedKind::Leased:
        b.feed = k.state.load() == std::uint32_t(shm::BackendState::Lost)
                     ? QStringLiteral("closed")
                     : QStringLiteral("leased");
        break;
    case shm::FeedKind::Open:
        b.feed = QStringLiteral("open (no limit)");
        break;
    case shm::FeedKind::Share:
        b.feed = QStringLiteral("local share %1 per %2 s").arg(shm::feedShare(feed)).arg(c.per);
        break;
    }
    const Nanos since = k.since_ns.load();
    b.state_for_ns = since > 0 ? std::max<Nanos>(0, monotonicNow() - since) : 0;
    b.machines = int(k.machines.load());
    b.outages = int(k.outages.load());
    b.calls = k.calls.load();
    b.leased = k.leased.load();
    b.returned = k.returned.load();
    b.budget_taken = k.budget_taken.load();
    b.budget_rate = std::bit_cast<double>(k.budget_rate_bits.load());
    // The error text is written before its sequence moves; a torn read only mixes two
    // messages of the same link, so one retry is enough for a display.
    for (int attempt = 0; attempt < 2; ++attempt) {
        const std::uint64_t seq = k.error_seq.load(std::memory_order_acquire);
        b.error = QString::fromUtf8(k.error, int(qstrnlen(k.error, sizeof k.error)));
        if (k.error_seq.load(std::memory_order_acquire) == seq) break;
    }
    return b;
}

RunInfo ThrottleClient::runInfo() const {
    const shm::Segment& s = data();
    RunInfo r;
    r.running = s.control.run_state.load() == std::uint32_t(shm::RunState::Running);
    r.killed = s.control.kill.load() != 0;
    r.stop_requested = s.control.stop_requested.load() != 0;
    r.run_epoch = s.control.run_epoch.load();
    r.runtime_ns = runtimeAt(s.control, monotonicNow());
    r.owner_pid = s.header.owner_pid.load();
    r.throttle_pid = s.helpers.throttle_pid.load();
    r.monitor_pid = s.helpers.monitor_pid.load();
    // A helper publishes its CPU time a few times a second; while the run lasts, its CPU clock
    // is read now instead (a published figure is up to 0.4 s old). A clock that reads less
    // than the published figure is not that helper's (its pid was reused): not taken.
    auto cpuOf = [&](std::int64_t pid, const shm::AI64& published) {
        const Nanos last = published.load();
        if (!r.running || pid <= 0) return last;
        const Nanos now = processCpuTime(pid_t(pid));
        return now >= last ? now : last;
    };
    r.throttle_cpu_ns = cpuOf(r.throttle_pid, s.helpers.throttle_cpu_ns);
    r.monitor_cpu_ns = cpuOf(r.monitor_pid, s.helpers.monitor_cpu_ns);
    r.granted = totalGranted(s);
    r.produced = s.pacing.produced.load();
    r.emitted = s.emissions.emitted.load();
    r.overflow = s.emissions.overflow.load();
    r.abandoned = s.emissions.abandoned.load();
    r.reclaimed_worker_slots = s.helpers.reclaimed_worker_slots.load();
    r.waits_passed_over = s.control.waits_passed_over.load();
    r.helper_restarts = s.helpers.helper_restarts.load();
    r.helper_stalls = s.helpers.helper_stalls.load();
    r.log_errno = int(s.helpers.log_errno.load());
    if (r.running) {
        const Nanos now = monotonicNow();
        r.throttle_silent_ns = now - s.helpers.throttle_heartbeat_ns.load();
        r.monitor_silent_ns = now - s.helpers.monitor_heartbeat_ns.load();
        r.throttle_stalled = s.config.as_throttle.load() && r.throttle_pid > 0 &&
                             r.throttle_silent_ns > kHelperStallReport;
        r.monitor_stalled = s.config.as_monitor.load() && r.monitor_pid > 0 &&
                            r.monitor_silent_ns > kHelperStallReport;
    }
    r.waiters = s.control.waiters.load();
    r.as_throttle = s.config.as_throttle.load() != 0;
    r.as_monitor = s.config.as_monitor.load() != 0;
    const PacingParams p = PacingParams::of(s, readConfig(s));
    r.available = r.running ? availablePermits(s.pacing, p, segment_->relative(monotonicNow())) : 0;
    return r;
}

std::vector<WorkerInfo> ThrottleClient::workers() const {
    std::vector<WorkerInfo> out;
    for (std::size_t i = 0; i < shm::kMaxWorkers; ++i) {
        const shm::WorkerSlot& w = data().workers[i];
        const qint64 pid = w.pid.load(std::memory_order_acquire);
        if (pid <= 0) continue;
        // The public states are the slot's, in the same order.
        out.push_back({int(i), pid, WorkerState(w.state.load()), w.grants.load(), w.emits.load(),
                       w.last_grant_ns.load(), w.attached_ns.load()});
    }
    return out;
}

} // namespace throttlelab
