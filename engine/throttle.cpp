#include "throttle.h"
#include "executable_lookup.h"
#include "run_time.h"
#include "segment_access.h"

#include "futex.h"
#include "pacer.h"
#include "stats_channel.h"

#include <QTimer>
#include <cstring>
#include <unistd.h>

namespace throttlelab {
namespace {
constexpr std::chrono::milliseconds kHelperStartTimeout{5000};
// The monitor's last round and the throttle's exit take milliseconds; past this they are
// killed, and a monitor killed so is replaced for its last round.
constexpr std::chrono::milliseconds kHelperStopGrace{600};
// A helper that keeps dying (a broken install, a fault) stays down after this many
// replacements a minute, instead of being restarted forever.
constexpr RestartBudget kHelperRestartBudget{20, std::chrono::minutes(1)};
const QString kMonitor = QStringLiteral("monitor");
const QString kThrottle = QStringLiteral("throttle");
} // namespace

Throttle::Throttle(ThrottleOptions options, QObject* parent)
    : QObject(parent)
    , options_(options.resolved()) {
    qRegisterMetaType<RunSummary>();
    connect(&helpers_, &ProcessSupervisor::ready, this, &Throttle::onHelperReady);
    connect(&helpers_, &ProcessSupervisor::exited, this, &Throttle::onHelperExited);
    connect(&helpers_, &ProcessSupervisor::failedToStart, this,
            [this](ProcessId, const QString& error) {
                if (state_ == State::Starting) failStart(error);
            });
    connect(&helpers_, &ProcessSupervisor::restarted, this,
            [this](ProcessId id, qint64, const QString& reason) {
                const QString role = helpers_.label(id);
                replaced_ << role;
                replaced_reasons_ << reason;
                if (replaced_.size() > 64) { // nobody collects them: keep the newest
                    replaced_.removeFirst();
                    replaced_reasons_.removeFirst();
                }
                Q_EMIT helperReplaced(role, reason);
            });
    connect(&helpers_, &ProcessSupervisor::gaveUp, this,
            [this](ProcessId, const QString& reason) { Q_EMIT helperGaveUp(reason); });
}

Throttle::~Throttle() {
    stop();
}

ProcessSpec Throttle::helperSpec(const QString& role) const {
    ProcessSpec spec;
    spec.label = role;
    spec.program = findExecutable(QStringLiteral("throttlelab-helper"), options_.helper_path);
    spec.args =
        QStringList{QStringLiteral("--role"), role, QStringLiteral("--name"), options_.name};
    if (role == kMonitor && !options_.log_path.isEmpty())
        spec.args << QStringLiteral("--log") << options_.log_path;
    spec.restart_args = spec.args;
    if (role == kMonitor) spec.restart_args << QStringLiteral("--replacing");
    if (role == kThrottle && !options_.backend_url.isEmpty()) {
        spec.args << QStringLiteral("--shared");
        spec.restart_args = spec.args;
    }
    spec.announces_ready = true;
    spec.restart_automatically = true;
    spec.budget = kHelperRestartBudget;
    const shm::Segment* s = &segment_->data();
    const shm::AI64* beat =
        role == kMonitor ? &s->helpers.monitor_heartbeat_ns : &s->helpers.throttle_heartbeat_ns;
    spec.heartbeat = [beat] { return Nanos(beat->load(std::memory_order_acquire)); };
    spec.stall_bound = std::chrono::milliseconds(kHelperStallBound / kNanosPerMilli);
    return spec;
}

QList<ProcessId> Throttle::helperIds() const {
    QList<ProcessId> ids;
    for (ProcessId id : {monitor_, throttle_, last_round_monitor_})
        if (id != 0) ids << id;
    return ids;
}

QString Throttle::beginStart() {
    if (state_ == State::Running || state_ == State::Starting) return {};
    if (state_ == State::Stopping)
        return QStringLiteral("the throttle is still stopping; start it once it has stopped");
    if (QString e = validateOptions(options_); !e.isEmpty()) return e;
    // Where the helpers are is settled now, while this executable is surely in place.
    if ((options_.as_monitor || options_.as_throttle) &&
        findExecutable(QStringLiteral("throttlelab-helper"), options_.helper_path).isEmpty())
        return QStringLiteral(
            "cannot find the throttlelab-helper executable (set THROTTLELAB_BIN_DIR)");
    if (!segment_) {
        QString error;
        std::unique_ptr<SharedSegment> seg = SharedSegment::createOwned(options_.name, &error);
        if (!seg) return error;
        segment_ = std::move(seg);
        client_ = std::make_unique<ThrottleClient>(segment_, AttachAs::Observer);
        shm::Segment& s = segment_->data();
        s.config.as_throttle.store(options_.as_throttle);
        s.config.as_monitor.store(options_.as_monitor);
        changeConfig(s, ConfigPatch::everything(options_.config), getpid());
        if (!options_.backend_url.isEmpty()) {
            // Fixed for the owner's life: the throttle process links this segment to it.
            const QByteArray url = options_.backend_url.toUtf8().left(shm::kBackendTextSize - 1);
            std::memcpy(s.backend.url, url.constData(), std::size_t(url.size()));
            s.backend.url[url.size()] = 0;
            s.backend.policy.store(std::uint32_t(*options_.on_backend_loss));
        }
    }
    if (*options_.auto_calibrate && config().mode == PacingMode::Classic) {
        CalibrationRequest req;
        req.max_n = config().max_n;
        req.per = config().per;
        req.helper_path = options_.helper_path;
        const CalibrationResult cal = throttlelab::calibrate(req);
        if (!cal.error.isEmpty()) return QStringLiteral("calibration failed: ") + cal.error;
        ThrottleConfig c = config();
        c.correction = cal.correction;
        setConfig(c);
    }
    shm::Segment& s = segment_->data();
    const Nanos now = monotonicNow();
    s.control.kill.store(0);
    s.control.kill_ns.store(0);
    s.helpers.log_errno.store(0);
    s.control.stop_requested.store(0);
    s.emissions.tail.store(s.emissions.head.load()); // nothing from an earlier run is replayed
    if (!options_.backend_url.isEmpty()) {
        // Nothing is granted until the throttle process has leased permits.
        s.backend.feed.store(shm::packFeed(shm::FeedKind::Leased, 0));
        s.backend.state.store(std::uint32_t(shm::BackendState::Connecting));
        s.backend.since_ns.store(now);
    }
    resetPacing(s.pacing, PacingParams::of(s, config()), segment_->relative(now));
    s.control.run_started_ns.store(now);
    s.control.run_epoch.fetch_add(1);
    s.control.run_state.store(std::uint32_t(shm::RunState::Running), std::memory_order_release);
    // The previous run's helpers have all exited (stop finished): their handles go.
    for (ProcessId id : helperIds())
        helpers_.forget(id);
    monitor_ = throttle_ = last_round_monitor_ = 0;
    monitor_did_last_round_ = true;
    start_error_.clear();
    state_ = State::Starting;
    if (options_.as_monitor) monitor_ = helpers_.launch(helperSpec(kMonitor));
    if (options_.as_throttle) throttle_ = helpers_.launch(helperSpec(kThrottle));
    // A helper that neither says it is ready nor dies is given up on.
    const int generation = ++start_generation_;
    if (hasEventLoop()) // start() without one keeps its own time
        QTimer::singleShot(kHelperStartTimeout, this, [this, generation] {
            if (state_ == State::Starting && generation == start_generation_)
                failStart(QStringLiteral("a helper process did not get ready within %1 s")
                              .arg(kHelperStartTimeout.count() / 1000));
        });
    onHelperReady(); // none wanted: running at once
    return {};
}

void Throttle::onHelperReady() {
    if (state_ != State::Starting) return;
    for (ProcessId id : {monitor_, throttle_})
        if (id != 0 && !helpers_.isReady(id)) return;
    state_ = State::Running;
    signalEvent(segment_->data());
    Q_EMIT started();
}

void Throttle::failStart(const QString& error) {
    if (state_ != State::Starting) return;
    start_error_ = error;
    beginStop();
}

void Throttle::onHelperExited(const ProcessExit& exit) {
    shm::Segment& s = segment_->data();
    if (state_ == State::Starting) {
        // Dead before it was ready: the start fails (nothing is restarted in a start). A
        // throttle process that could not reach the shared budget has said why.
        const QString why = exit.id == throttle_ ? client_->backendInfo().error : QString();
        failStart(why.isEmpty() ? QStringLiteral("the %1 process did not start (%2)")
                                      .arg(exit.label, exit.describe())
                                : why);
        return;
    }
    if (state_ == State::Running && exit.asked) {
        // Ended at the kill flag before stop(): the last round may still be owed.
        if (exit.id == monitor_ && (exit.crashed || exit.code != 0))
            monitor_did_last_round_ = false;
        return;
    }
    if (state_ == State::Running) {
        if (exit.stalled)
            s.helpers.helper_stalls.fetch_add(1);
        else
            s.helpers.helper_restarts.fetch_add(1);
        return;
    }
    if (state_ != State::Stopping) return;
    if (exit.id == monitor_ && (exit.crashed || exit.code != 0)) monitor_did_last_round_ = false;
    if (exit.id == last_round_monitor_) monitor_did_last_round_ = true;
    finishStopIfDone();
}

void Throttle::beginStop() {
    if (state_ == State::Stopped || state_ == State::Stopping) return;
    setKillFlag();
    state_ = State::Stopping;
    // Both see the kill flag at once; the monitor's last round counts what is left.
    helpers_.endAll(kHelperStopGrace);
    finishStopIfDone();
}

void Throttle::finishStopIfDone() {
    for (ProcessId id : helperIds())
        if (helpers_.isRunning(id)) return;
    if (options_.as_monitor && !monitor_did_last_round_ && last_round_monitor_ == 0 &&
        start_error_.isEmpty()) {
        // It died, or was stalled and killed, before its last round: a replacement does it
        // (it sees the kill flag, takes everything from the published cursor on, and ends).
        ProcessSpec spec = helperSpec(kMonitor);
        spec.args = spec.restart_args;
        spec.restart_automatically = false;
        last_round_monitor_ = helpers_.launch(spec);
        if (helpers_.isRunning(last_round_monitor_)) {
            helpers_.end(last_round_monitor_, kHelperStopGrace);
            return;
        }
    }
    finishStop();
}

void Throttle::finishStop() {
    shm::Segment& s = segment_->data();
    // The run ended when work was told to stop, not when the helpers were done.
    s.control.accumulated_runtime_ns.store(runtimeAt(s.control, s.control.kill_ns.load()));
    s.control.run_state.store(std::uint32_t(shm::RunState::Stopped), std::memory_order_release);
    s.pacing.tank.store(0); // no stale tokens for the next start
    signalEvent(s);
    state_ = State::Stopped;
    RunSummary r;
    r.runtime_s = toSeconds(s.control.accumulated_runtime_ns.load());
    r.total = options_.as_monitor ? readStats(s.stats).total : totalGranted(s);
    if (r.total > 0 && r.runtime_s > 0) {
        r.mean_rate = double(r.total) / r.runtime_s;
        r.mean_interval_s = r.runtime_s / double(r.total);
    }
    last_summary_ = r;
    if (!start_error_.isEmpty())
        Q_EMIT startFailed(start_error_);
    else
        Q_EMIT stopped(r);
}

QString Throttle::start() {
    if (QString e = beginStart(); !e.isEmpty()) return e;
    helpers_.waitFor([this] { return state_ != State::Starting; },
                     kHelperStartTimeout + std::chrono::seconds(1));
    if (state_ == State::Starting) failStart(QStringLiteral("a helper process did not get ready"));
    if (state_ == State::Stopping)
        helpers_.waitFor([this] { return state_ == State::Stopped; }, std::chrono::seconds(5));
    return state_ == State::Running ? QString() : start_error_;
}

RunSummary Throttle::stop() {
    beginStop();
    if (state_ == State::Stopping)
        helpers_.waitFor([this] { return state_ == State::Stopped; }, std::chrono::seconds(5));
    return last_summary_;
}

QStringList Throttle::superviseHelpers(QStringList* reasons) {
    helpers_.checkNow();
    // A replacement is of use once it is ready, as after start().
    if (!replaced_.isEmpty()) helpers_.waitForReady(helperIds(), kHelperStartTimeout);
    QStringList out;
    out.swap(replaced_);
    if (reasons) *reasons = replaced_reasons_;
    replaced_reasons_.clear();
    return out;
}

void Throttle::setKillFlag() {
    if (!segment_) return;
    // The helpers end at the kill flag: their exits are asked for, not deaths to repair.
    if (state_ == State::Running || state_ == State::Starting) helpers_.endAll(kHelperStopGrace);
    shm::Control& control = segment_->data().control;
    std::int64_t unset = 0;
    control.kill_ns.compare_exchange_strong(unset, monotonicNow());
    control.kill.store(1, std::memory_order_release);
    signalEvent(segment_->data());
}

StatsSnapshot Throttle::stats() const {
    return segment_ ? readStats(segment_->data().stats) : StatsSnapshot{};
}

CalibrationResult Throttle::calibrate(const CalibrationProgress& progress) {
    CalibrationRequest req;
    req.max_n = config().max_n;
    req.per = config().per;
    req.helper_path = options_.helper_path;
    CalibrationResult r = throttlelab::calibrate(req, progress);
    if (r.error.isEmpty()) {
        ThrottleConfig c = config();
        c.correction = r.correction;
        setConfig(c);
    }
    return r;
}

bool Throttle::resetFigures() {
    if (state_ != State::Stopped) return false;
    last_summary_ = {};
    if (!segment_) return true;
    shm::Segment& s = segment_->data();
    s.control.granted_base.fetch_add(totalGranted(s), std::memory_order_acq_rel);
    s.control.accumulated_runtime_ns.store(0);
    // No monitor runs while stopped: the owner may publish. The next monitor seeds from these
    // zeros and takes the ring from where it stands.
    StatsSnapshot zero;
    zero.ring_cursor = s.emissions.head.load();
    publishStats(s.stats, zero);
    return true;
}

bool Throttle::setLogPath(const QString& path) {
    if (state_ != State::Stopped) return false;
    options_.log_path = path;
    return true;
}

ConfigError Throttle::setConfig(const ThrottleConfig& c) {
    if (ConfigError e = checkConfig(c)) return e;
    options_.config = c;
    if (client_) return client_->setConfig(c);
    return {};
}

ThrottleConfig Throttle::config() const {
    return client_ ? client_->config() : options_.config;
}

} // namespace throttlelab
