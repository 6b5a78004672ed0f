#include "shared_throttle.h"

#include "backend_url.h"
#include "budget_scripts.h"
#include "config_channel.h"
#include "futex.h"
#include "helper_process.h"
#include "lease_plan.h"
#include "pacer.h"
#include "process_identity.h"
#include "redis_link.h"
#include "segment_access.h"
#include "stats_channel.h"
#include "throttle_client.h"

#include <algorithm>
#include <bit>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <unistd.h>

namespace throttlelab::backend {
namespace {

// A call that takes longer than this counts as Redis being slow: the policy takes over.
constexpr std::chrono::milliseconds kCallTimeout{250};
constexpr Nanos kReconnectEvery = 100 * kNanosPerMilli;
// This machine tells the others it lives, and learns of their changes, this often: a change
// made anywhere reaches every machine within 2 heartbeats (100 ms) even when it is idle.
constexpr Nanos kHeartbeatEvery = 50 * kNanosPerMilli;
// Leased permits nobody takes for this long go back to the budget.
constexpr Nanos kReturnIdleAfter = 50 * kNanosPerMilli;

QByteArray hardcapWord(Hardcap h) {
    return toString(h).toUtf8();
}

QString hostName() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return QStringLiteral("unknown");
    return QString::fromLocal8Bit(name);
}

class SharedThrottle {
public:
    SharedThrottle(std::unique_ptr<ThrottleClient> client, BackendUrl url, QString key)
        : client_(std::move(client))
        , s_(segmentOf(*client_))
        , url_(std::move(url))
        , keys_(BudgetKeys::of(key))
        , policy_(BackendLossPolicy(s_.backend.policy.load())) {
        machine_ = QStringLiteral("%1:%2:%3")
                       .arg(hostName())
                       .arg(getpid())
                       .arg(s_.header.created_ns)
                       .toUtf8();
    }

    // Connects and joins the budget; false (error recorded) when Redis is unreachable.
    // Connects and joins the budget. At a run's start, false (error recorded) when Redis
    // cannot be reached, so the start fails and says why; a replacement for a throttle
    // process that died mid-run goes on under the loss policy instead, and recovers.
    bool start(bool run_is_starting) {
        if (link_.connect(url_, kCallTimeout) && join()) {
            setState(shm::BackendState::Connected);
            setFeed(shm::FeedKind::Leased, 0);
            return true;
        }
        if (!link_.connected() || !link_.error().isEmpty()) setError(link_.error());
        if (run_is_starting) return false;
        s_.backend.state.store(std::uint32_t(shm::BackendState::Connected));
        loseBackend(link_.error());
        return true;
    }

    int run();

private:
    Nanos rel(Nanos now) const { return sharedSegmentOf(*client_).relative(now); }
    const ThrottleConfig config() const { return client_->config(); }
    PacingParams params() const { return PacingParams::of(s_, config()); }
    bool window() const { return config().hardcap == Hardcap::Window; }

    void setError(const QString& e) {
        const QByteArray text = e.toUtf8().left(shm::kBackendTextSize - 1);
        std::memcpy(s_.backend.error, text.constData(), std::size_t(text.size()));
        s_.backend.error[text.size()] = 0;
        s_.backend.error_seq.fetch_add(1, std::memory_order_release);
    }
    void setState(shm::BackendState st) {
        s_.backend.state.store(std::uint32_t(st));
        s_.backend.since_ns.store(monotonicNow());
    }
    // Switches where the workers' permits come from. The exact pacer's state is closed
    // (no grant) while the switch is published, and opened only for the share, so no worker
    // still using the old parameters can take a permit the new ones do not allow.
    void setFeed(shm::FeedKind kind, long long share) {
        s_.pacing.tat.store(std::numeric_limits<std::int64_t>::max() / 4);
        if (kind != shm::FeedKind::Leased) dropTank();
        s_.backend.feed.store(shm::packFeed(kind, std::uint64_t(share)), std::memory_order_release);
        if (kind == shm::FeedKind::Share) resetPacing(s_.pacing, params(), rel(monotonicNow()));
        signalEvent(s_);
    }
    // Leased permits still in the tank when the backend is given up on: dropped (they were
    // the budget's), never handed out under another rule.
    void dropTank() { s_.pacing.tank.exchange(0); }

    bool failed(const RedisReply& r) {
        if (r.ok() && !r.isError()) return false;
        if (r.ok()) {
            // The server refused (out of memory, a read-only replica): said, and tried again
            // shortly rather than at once.
            setError(QStringLiteral("Redis at %1 answered: %2").arg(url_.where(), r.text()));
            retry_at_ = monotonicNow() + 10 * kNanosPerMilli;
        } else {
            loseBackend(link_.error());
        }
        return true;
    }
    RedisReply call(const RedisScript& script, const QList<QByteArray>& keys,
                    const QList<QByteArray>& args) {
        s_.backend.calls.fetch_add(1, std::memory_order_relaxed);
        return link_.run(script, keys, args);
    }

    bool join();
    void applyBudgetConfig(long long max_n, long long per_us, const QString& hardcap,
                           const QByteArray& version);
    bool pushLocalChange();
    bool heartbeat(Nanos now);
    void releaseDue(Nanos now);
    bool leaseExact(Nanos now);
    bool leaseWindow(Nanos now);
    bool returnIdle(Nanos now);
    void loseBackend(const QString& why);
    bool recover(Nanos now);
    bool replayWindow(Nanos lost_since);
    bool wanted();
    // Samples of this machine's total, so the permits of its last window are known.
    void sampleTaken(Nanos now);

    std::unique_ptr<ThrottleClient> client_;
    shm::Segment& s_;
    BackendUrl url_;
    BudgetKeys keys_;
    BackendLossPolicy policy_;
    QByteArray machine_;
    RedisLink link_;
    QByteArray version_; // the budget's configuration version last applied here
    std::uint64_t synced_generation_ = ~std::uint64_t(0);
    std::deque<LeaseSchedule> leases_;
    LeaseSizer sizer_;
    Nanos retry_at_ = 0; // the budget said: nothing before this
    Nanos last_heartbeat_ = 0;
    Nanos lost_at_ = 0, next_reconnect_ = 0;
    Nanos hold_until_ = 0; // window: no lease before this (after a change of rule)
    std::uint32_t demand_seen_ = 0;
    long long tank_after_release_ = 0;
    Nanos last_take_ = 0;
    // Window hardcap: the one permit in flight, and when it must be withdrawn.
    QByteArray window_member_;
    Nanos window_deadline_ = 0;
    std::uint64_t window_seq_ = 0;
    // (time, total granted) samples for the permits taken in the last window.
    std::deque<std::pair<Nanos, std::uint64_t>> taken_;
    int machines_ = 1;
};

bool SharedThrottle::join() {
    const ThrottleConfig c = config();
    const RedisReply r =
        call(joinScript(), {keys_.config, keys_.members},
             {machine_, QByteArray::number(c.max_n),
              QByteArray::number((long long)std::llround(c.per * 1e6)), hardcapWord(c.hardcap)});
    if (!r.ok() || r.isError()) {
        if (r.isError())
            setError(QStringLiteral("Redis at %1 refused to join the budget: %2")
                         .arg(url_.where(), r.text()));
        link_.close();
        return false;
    }
    machines_ = int(r.element(4).integer());
    s_.backend.machines.store(std::uint32_t(machines_));
    applyBudgetConfig(r.element(0).integer(), r.element(1).integer(), r.element(2).text(),
                      r.element(3).text().toUtf8());
    const RedisReply d = call(drainScript(), {keys_.config, keys_.tat}, {});
    return d.ok() && !d.isError();
}

void SharedThrottle::applyBudgetConfig(long long max_n, long long per_us, const QString& hardcap,
                                       const QByteArray& version) {
    version_ = version;
    ConfigPatch patch;
    patch.max_n = max_n;
    patch.per = double(per_us) / 1e6;
    patch.hardcap = parseHardcap(hardcap);
    const ThrottleConfig now = config();
    if (now.max_n != *patch.max_n || std::llround(now.per * 1e6) != per_us ||
        (patch.hardcap && *patch.hardcap != now.hardcap)) {
        if (ConfigError e = client_->changeConfig(patch))
            setError(QStringLiteral("the budget's settings could not be applied here: %1")
                         .arg(e.message()));
        sizer_.setCap(leaseCap(double(fromSeconds(config().per)) / double(config().max_n)));
    }
    synced_generation_ = configGeneration(s_);
}

bool SharedThrottle::pushLocalChange() {
    if (configGeneration(s_) == synced_generation_) return true;
    const ThrottleConfig c = config();
    const RedisReply r =
        call(setConfigScript(), {keys_.config, keys_.tat},
             {QByteArray::number(c.max_n), QByteArray::number((long long)std::llround(c.per * 1e6)),
              hardcapWord(c.hardcap)});
    if (failed(r)) return false;
    version_ = r.text().toUtf8();
    synced_generation_ = configGeneration(s_);
    sizer_.setCap(leaseCap(double(fromSeconds(c.per)) / double(c.max_n)));
    return true;
}

void SharedThrottle::sampleTaken(Nanos now) {
    if (!taken_.empty() && now - taken_.back().first < kHeartbeatEvery / 2) return;
    taken_.emplace_back(now, totalGranted(s_));
    const Nanos per = fromSeconds(config().per);
    while (taken_.size() > 2 && taken_[1].first <= now - per)
        taken_.pop_front();
}

bool SharedThrottle::heartbeat(Nanos now) {
    if (now - last_heartbeat_ < kHeartbeatEvery) return true;
    last_heartbeat_ = now;
    const long long taken =
        taken_.empty() ? 0 : (long long)(taken_.back().second - taken_.front().second);
    const StatsSnapshot st = readStats(s_.stats);
    const double rate =
        s_.config.as_monitor.load() ? st.latest.rate : double(taken) / std::max(1e-9, config().per);
    static const char* states[] = {"none", "connecting", "connected", "lost"};
    const QByteArray info = QStringLiteral("%1|%2|%3|%4|%5")
                                .arg(hostName())
                                .arg(getpid())
                                .arg(taken)
                                .arg(rate, 0, 'f', 3)
                                .arg(QLatin1String(states[s_.backend.state.load() & 3]))
                                .toUtf8();
    const RedisReply r = call(heartbeatScript(), {keys_.config, keys_.members}, {machine_, info});
    if (failed(r)) return false;
    machines_ = std::max(1, int(r.element(0).integer()));
    s_.backend.machines.store(std::uint32_t(machines_));
    s_.backend.budget_taken.store(std::uint64_t(std::max(0LL, r.element(1).integer())));
    s_.backend.budget_rate_bits.store(std::bit_cast<std::uint64_t>(r.element(2).number()));
    const QByteArray version = r.element(3).text().toUtf8();
    if (version != version_) {
        // Another machine changed the budget: take its settings (this machine's own change,
        // if any, was pushed before and so is not undone here).
        const RedisReply c =
            link_.command({"HMGET", keys_.config, "max_n", "per_us", "hardcap", "version"});
        if (failed(c)) return false;
        if (!c.element(0).isNil())
            applyBudgetConfig(c.element(0).integer(), c.element(1).integer(), c.element(2).text(),
                              c.element(3).text().toUtf8());
    }
    return true;
}

// Due permits into the tank, in order, and the waiters woken.
void SharedThrottle::releaseDue(Nanos now) {
    long long added = 0;
    while (!leases_.empty()) {
        LeaseSchedule& l = leases_.front();
        const long long due = l.dueBy(now);
        added += due - l.released;
        l.released = due;
        if (!l.done()) break;
        leases_.pop_front();
    }
    if (added > 0) {
        s_.pacing.tank.fetch_add(added, std::memory_order_acq_rel);
        s_.pacing.produced.fetch_add(std::uint64_t(added), std::memory_order_relaxed);
        s_.pacing.last_token_ns.store(now, std::memory_order_relaxed);
        s_.control.wake.fetch_add(1, std::memory_order_acq_rel);
        if (s_.control.waiters.load(std::memory_order_acquire) > 0) futexWakeAll(s_.control.wake);
    }
}

// True when a taker here wants a permit the tank does not hold.
bool SharedThrottle::wanted() {
    const std::uint32_t d = s_.backend.demand.load(std::memory_order_acquire);
    const bool asked = d != demand_seen_;
    demand_seen_ = d;
    return s_.pacing.tank.load() <= 0 &&
           (asked || s_.control.waiters.load(std::memory_order_acquire) > 0);
}

bool SharedThrottle::leaseExact(Nanos now) {
    // The next lease is asked for while the last one's final permits are still due, so a
    // busy machine's permits follow each other without a round trip's gap.
    if (now < retry_at_) return true;
    const bool busy = s_.control.waiters.load() > 0 || s_.pacing.tank.load() <= 0;
    if (!leases_.empty()) {
        const LeaseSchedule& last = leases_.back();
        const Nanos last_due =
            last.received_ns + Nanos(last.first_due_ns + double(last.count - 1) * last.interval_ns);
        if (last_due - now > kLeaseHorizon / 4 || !busy) return true;
    } else if (!wanted() && s_.control.waiters.load() == 0) {
        return true;
    }
    if (s_.pacing.tank.load() <= 0 && s_.control.waiters.load() > 0)
        sizer_.consumed(); // all that was leased is taken and more is wanted
    const long long want = sizer_.next(s_.control.waiters.load());
    const Nanos sent = monotonicNow();
    const RedisReply r =
        call(leaseScript(), {keys_.config, keys_.tat},
             {QByteArray::number(want), QByteArray::number(kLeaseHorizon / kNanosPerMicro)});
    if (failed(r)) return false;
    const long long k = r.element(0).integer();
    const Nanos received = monotonicNow();
    if (r.element(3).text().toUtf8() != version_) last_heartbeat_ = 0; // look at the change
    if (k < 0) return join(); // the budget lost its settings (a restart): join again
    if (k == 0) {
        retry_at_ = sent + Nanos(r.element(1).number() * double(kNanosPerMicro));
        return true;
    }
    LeaseSchedule l;
    // Times are counted from when the reply arrived: the server's "now" was before that, so
    // a permit is never put into the tank before the budget says it is due.
    l.received_ns = received;
    l.first_due_ns = r.element(1).number() * double(kNanosPerMicro);
    l.interval_ns = r.element(2).number() * double(kNanosPerMicro);
    l.count = k;
    leases_.push_back(l);
    s_.backend.leased.fetch_add(std::uint64_t(k), std::memory_order_relaxed);
    tank_after_release_ = k;
    return true;
}

bool SharedThrottle::leaseWindow(Nanos now) {
    if (now < hold_until_ || now < retry_at_) return true;
    if (!window_member_.isEmpty()) {
        // The permit in flight: taken, or withdrawn at its deadline.
        if (s_.pacing.tank.load() <= 0) {
            window_member_.clear();
        } else if (now >= window_deadline_) {
            std::int64_t one = 1;
            if (s_.pacing.tank.compare_exchange_strong(one, 0)) {
                const RedisReply r = call(returnScript(), {keys_.config, keys_.tat, keys_.log},
                                          {"1", window_member_});
                s_.backend.returned.fetch_add(1, std::memory_order_relaxed);
                window_member_.clear();
                if (failed(r)) return false;
            } else {
                window_member_.clear();
            }
        } else {
            return true;
        }
    }
    if (!wanted()) return true;
    const QByteArray member = machine_ + ':' + QByteArray::number(++window_seq_);
    const Nanos sent = monotonicNow();
    const RedisReply r = call(windowScript(), {keys_.config, keys_.tat, keys_.log},
                              {member, QByteArray::number(kWindowHold / kNanosPerMicro)});
    if (failed(r)) return false;
    const long long granted = r.element(0).integer();
    if (r.element(2).text().toUtf8() != version_) last_heartbeat_ = 0;
    if (granted < 0) return join();
    if (granted == 0) {
        retry_at_ = sent + Nanos(r.element(1).number() * double(kNanosPerMicro));
        return true;
    }
    window_member_ = member;
    window_deadline_ = leaseDeadline(sent);
    s_.backend.leased.fetch_add(1, std::memory_order_relaxed);
    s_.pacing.tank.fetch_add(1, std::memory_order_acq_rel);
    s_.pacing.produced.fetch_add(1, std::memory_order_relaxed);
    s_.control.wake.fetch_add(1, std::memory_order_acq_rel);
    futexWakeAll(s_.control.wake);
    return true;
}

// Permits leased but not taken for a while go back, so idle machines hold no budget.
bool SharedThrottle::returnIdle(Nanos now) {
    const long long tank = s_.pacing.tank.load();
    if (tank != tank_after_release_) {
        last_take_ = now;
        tank_after_release_ = tank;
    }
    if (tank <= 0 || !leases_.empty() || s_.control.waiters.load() > 0 ||
        now - last_take_ < kReturnIdleAfter)
        return true;
    const long long back = s_.pacing.tank.exchange(0);
    tank_after_release_ = 0;
    if (back <= 0) return true;
    sizer_.returned(back);
    s_.backend.returned.fetch_add(std::uint64_t(back), std::memory_order_relaxed);
    const RedisReply r =
        call(returnScript(), {keys_.config, keys_.tat, keys_.log}, {QByteArray::number(back), ""});
    return !failed(r);
}

void SharedThrottle::loseBackend(const QString& why) {
    if (s_.backend.state.load() == std::uint32_t(shm::BackendState::Lost)) return;
    link_.close();
    setError(why);
    const Nanos now = monotonicNow();
    lost_at_ = now;
    next_reconnect_ = now + kReconnectEvery;
    s_.backend.outages.fetch_add(1);
    setState(shm::BackendState::Lost);
    leases_.clear(); // not yet due: the budget keeps them (nothing is handed out early)
    window_member_.clear();
    switch (policy_) {
    case BackendLossPolicy::Closed:
        // Permits already in the tank were leased: they may still be taken.
        break;
    case BackendLossPolicy::Open:
        setFeed(shm::FeedKind::Open, 0);
        break;
    case BackendLossPolicy::Local:
        if (window()) {
            // The other machines' permits of the last window are not known here: nothing
            // for one window (and a hold), then this machine's share of every window.
            setFeed(shm::FeedKind::Leased, 0);
            dropTank();
            hold_until_ = now + fromSeconds(config().per) + kWindowHold;
        } else {
            setFeed(shm::FeedKind::Share, fairShare(config().max_n, machines_));
        }
        break;
    }
}

bool SharedThrottle::replayWindow(Nanos lost_since) {
    // This machine's permits of the last window, at their local times turned into the
    // server's: its TIME now against this clock now.
    const RedisReply t = link_.command({"TIME"});
    if (failed(t)) return false;
    const Nanos local_now = rel(monotonicNow());
    const double server_now_us = t.element(0).number() * 1e6 + t.element(1).number();
    const Nanos per = fromSeconds(config().per);
    const std::uint64_t k = s_.pacing.window_count.load();
    QList<QByteArray> args;
    for (std::uint64_t i = k; i > 0 && k - i < shm::kWindowRingSize; --i) {
        const Nanos at = s_.pacing.window_ring[(i - 1) % shm::kWindowRingSize].load();
        if (at + per <= local_now) break;
        if (at < rel(lost_since)) break;
        const double score = server_now_us - double(local_now - at) / double(kNanosPerMicro);
        args << QByteArray::number(score, 'f', 3) << machine_ + ":r" + QByteArray::number(i);
    }
    if (args.isEmpty()) return true;
    return !failed(call(replayScript(), {keys_.config, keys_.tat, keys_.log}, args));
}

bool SharedThrottle::recover(Nanos now) {
    if (now < next_reconnect_) return false;
    next_reconnect_ = now + kReconnectEvery;
    if (!link_.connect(url_, kCallTimeout)) {
        setError(link_.error());
        return false;
    }
    const RedisReply pong = link_.command({"PING"});
    if (!pong.ok() || pong.isError()) {
        link_.close();
        return false;
    }
    const bool gave_own_permits = policy_ != BackendLossPolicy::Closed &&
                                  shm::feedKind(s_.backend.feed.load()) != shm::FeedKind::Leased;
    // The budget may have restarted empty: this machine's settings then become its own
    // again (join), and any bank made meanwhile is emptied (join drains it).
    s_.backend.state.store(std::uint32_t(shm::BackendState::Connected));
    if (!join()) {
        s_.backend.state.store(std::uint32_t(shm::BackendState::Lost));
        link_.close();
        return false;
    }
    if (window() && gave_own_permits) {
        if (!replayWindow(lost_at_)) return false;
    }
    setFeed(shm::FeedKind::Leased, 0);
    // With the window hardcap, permits given here without the budget (policy open or
    // local) may not yet be in its log on another machine that is still cut off: wait out
    // one window before leasing, so every window after the outage holds at most max_n.
    if (window() && policy_ != BackendLossPolicy::Closed)
        hold_until_ = monotonicNow() + fromSeconds(config().per);
    retry_at_ = 0;
    setState(shm::BackendState::Connected);
    setError({});
    return true;
}

int SharedThrottle::run() {
    Nanos next_housekeeping = 0;
    sizer_.setCap(leaseCap(double(fromSeconds(config().per)) / double(config().max_n)));
    while (!s_.control.kill.load(std::memory_order_acquire)) {
        Nanos now = monotonicNow();
        if (now >= next_housekeeping) {
            if (!client_->ownerAlive()) break;
            s_.helpers.throttle_heartbeat_ns.store(now, std::memory_order_release);
            s_.helpers.throttle_cpu_ns.store(selfCpuTime(), std::memory_order_relaxed);
            next_housekeeping = now + 100 * kNanosPerMilli;
        }
        const std::uint32_t demand = s_.backend.demand.load(std::memory_order_acquire);
        sampleTaken(now);
        const bool lost = s_.backend.state.load() == std::uint32_t(shm::BackendState::Lost);
        if (lost) {
            if (policy_ == BackendLossPolicy::Local && window() && now >= hold_until_ &&
                shm::feedKind(s_.backend.feed.load()) == shm::FeedKind::Leased)
                setFeed(shm::FeedKind::Share, fairShare(config().max_n, machines_));
            recover(now);
        } else {
            releaseDue(now);
            // Each step stops at the first failure (the policy has taken over then).
            (void)(pushLocalChange() && heartbeat(now) &&
                   (window() ? leaseWindow(now) : leaseExact(now)) && returnIdle(now));
        }
        now = monotonicNow();
        Nanos wake_at = std::min(next_housekeeping, now + kHeartbeatEvery);
        if (!leases_.empty()) {
            const Nanos due = leases_.front().nextDue();
            if (due >= 0) wake_at = std::min(wake_at, due);
            const LeaseSchedule& last = leases_.back();
            wake_at = std::min(
                wake_at, last.received_ns +
                             Nanos(last.first_due_ns + double(last.count - 1) * last.interval_ns) -
                             kLeaseHorizon / 4);
        }
        if (retry_at_ > now) wake_at = std::min(wake_at, retry_at_);
        if (!window_member_.isEmpty()) wake_at = std::min(wake_at, window_deadline_);
        if (s_.pacing.tank.load() > 0) wake_at = std::min(wake_at, now + kReturnIdleAfter / 2);
        if (s_.backend.state.load() == std::uint32_t(shm::BackendState::Lost))
            wake_at = std::min(wake_at, std::max(next_reconnect_, now + kNanosPerMilli));
        // A worker refused since the last look has asked already: go round again at once.
        if (wake_at > now) {
            s_.backend.throttle_parked.store(1, std::memory_order_seq_cst);
            if (s_.backend.demand.load(std::memory_order_seq_cst) == demand)
                futexWaitUntil(s_.backend.demand, demand, wake_at);
            s_.backend.throttle_parked.store(0, std::memory_order_relaxed);
        }
    }
    s_.helpers.throttle_cpu_ns.store(selfCpuTime(), std::memory_order_relaxed);
    return 0;
}

} // namespace

int runSharedThrottleProcess(const QString& name) {
    std::signal(SIGINT, SIG_IGN);
    QString error;
    auto client = ThrottleClient::attach(name, AttachAs::Observer, &error);
    if (!client) {
        std::fprintf(stderr, "throttle process: %s\n", qPrintable(error));
        return 1;
    }
    shm::Segment& s = segmentOf(*client);
    const QString text =
        QString::fromUtf8(s.backend.url, int(qstrnlen(s.backend.url, sizeof s.backend.url)));
    const auto url = BackendUrl::parse(text, &error);
    if (!url) {
        std::fprintf(stderr, "throttle process: --backend %s\n", qPrintable(error));
        return 1;
    }
    // A Redis that goes away mid-write must cost a failed call, not this process (hiredis
    // writes to its socket without MSG_NOSIGNAL).
    std::signal(SIGPIPE, SIG_IGN);
    s.helpers.throttle_pid.store(getpid());
    s.helpers.throttle_heartbeat_ns.store(monotonicNow(), std::memory_order_release);
    const bool run_is_starting =
        s.backend.state.load() == std::uint32_t(shm::BackendState::Connecting);
    SharedThrottle shared(std::move(client), *url, url->keyOr(name));
    if (!shared.start(run_is_starting)) {
        std::fprintf(stderr, "throttle process: %s\n",
                     qPrintable(QString::fromUtf8(s.backend.error)));
        return 1;
    }
    announceReady();
    return shared.run();
}

} // namespace throttlelab::backend
