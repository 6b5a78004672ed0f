#include "throttle.h"
#include "run_time.h"
#include "segment_access.h"

#include "futex.h"
#include "pacer.h"
#include "stats_channel.h"

#include <thread>
#include <unistd.h>

namespace throttlelab {
namespace {
constexpr int kHelperStartTimeoutMs = 5000;
// The monitor's last round and the throttle's exit take milliseconds; past this they are
// killed, and a monitor killed so is replaced for its last round.
constexpr int kHelperStopGraceMs = 600;
} // namespace

Throttle::Throttle(ThrottleOptions options)
    : options_(options.resolved()) {}

Throttle::~Throttle() {
    stop();
}

QString Throttle::startHelper(ChildProcess& child, const QString& role, MonitorStart how) {
    const QString helper =
        findExecutable(QStringLiteral("throttlelab-helper"), options_.helper_path);
    if (helper.isEmpty())
        return QStringLiteral(
            "cannot find the throttlelab-helper executable (set THROTTLELAB_BIN_DIR)");
    QStringList args{QStringLiteral("--role"), role, QStringLiteral("--name"), options_.name};
    if (role == QLatin1String("monitor") && !options_.log_path.isEmpty())
        args << QStringLiteral("--log") << options_.log_path;
    if (role == QLatin1String("monitor") && how == MonitorStart::Replacement)
        args << QStringLiteral("--replacing");
    shm::Segment& s = segment_->data();
    shm::AI64& pid_word =
        role == QLatin1String("monitor") ? s.helpers.monitor_pid : s.helpers.throttle_pid;
    pid_word.store(0);
    QString error;
    if (!child.start(helper, args, &error)) return error;
    // Ready once it has attached and written its pid: from then on it sees the kill flag.
    for (int waited = 0; pid_word.load() != child.pid(); waited += 2) {
        if (!child.running() || waited > kHelperStartTimeoutMs) {
            child.finish(0);
            return QStringLiteral("the %1 process did not start (exit code %2)")
                .arg(role)
                .arg(child.exitCode());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return {};
}

QString Throttle::start() {
    if (running_) return {};
    // Where the helpers are is settled now, while this executable is surely in place.
    (void)findExecutable(QStringLiteral("throttlelab-helper"), options_.helper_path);
    if (QString e = validateOptions(options_); !e.isEmpty()) return e;
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
    resetPacing(s.pacing, PacingParams::from(config(), options_.as_throttle),
                segment_->relative(now));
    s.control.run_started_ns.store(now);
    s.control.run_epoch.fetch_add(1);
    s.control.run_state.store(std::uint32_t(shm::RunState::Running), std::memory_order_release);
    running_ = true;
    QString error;
    if (options_.as_monitor)
        error = startHelper(monitor_process_, QStringLiteral("monitor"), MonitorStart::NewRun);
    if (error.isEmpty() && options_.as_throttle)
        error = startHelper(throttle_process_, QStringLiteral("throttle"), MonitorStart::NewRun);
    if (!error.isEmpty()) {
        stop();
        return error;
    }
    signalEvent(s);
    return {};
}

QStringList Throttle::superviseHelpers(QStringList* reasons) {
    QStringList restarted;
    if (!running_) return restarted;
    shm::Segment& s = segment_->data();
    const Nanos now = monotonicNow();
    auto supervise = [&](bool wanted, ChildProcess& child, const QString& role,
                         const shm::AI64& heartbeat) {
        if (!wanted) return;
        bool replace = !child.running();
        QString why = QStringLiteral("it had died");
        const Nanos silent = now - heartbeat.load(std::memory_order_acquire);
        if (!replace && silent > kHelperStallBound) {
            // Alive but silent (stopped, or stuck): it cannot be trusted to end by itself.
            child.kill();
            s.helpers.helper_stalls.fetch_add(1);
            why = QStringLiteral("it had stopped answering (no heartbeat for %1 s) and was killed")
                      .arg(toSeconds(silent), 0, 'f', 1);
            replace = true;
        } else if (replace) {
            s.helpers.helper_restarts.fetch_add(1);
        }
        if (replace && startHelper(child, role, MonitorStart::Replacement).isEmpty()) {
            restarted << role;
            if (reasons) reasons->append(why);
        }
    };
    supervise(options_.as_monitor, monitor_process_, QStringLiteral("monitor"),
              s.helpers.monitor_heartbeat_ns);
    supervise(options_.as_throttle, throttle_process_, QStringLiteral("throttle"),
              s.helpers.throttle_heartbeat_ns);
    return restarted;
}

void Throttle::setKillFlag() {
    if (!segment_) return;
    shm::Control& control = segment_->data().control;
    std::int64_t unset = 0;
    control.kill_ns.compare_exchange_strong(unset, monotonicNow());
    control.kill.store(1, std::memory_order_release);
    signalEvent(segment_->data());
}

RunSummary Throttle::stop() {
    if (!running_) return last_summary_;
    shm::Segment& s = segment_->data();
    setKillFlag();
    // Both see the kill flag at once; the monitor's last round counts what is left.
    finishAll({&monitor_process_, &throttle_process_}, kHelperStopGraceMs);
    if (options_.as_monitor && (monitor_process_.crashed() || monitor_process_.exitCode() != 0)) {
        // It died, or was stalled and killed, before its last round: a replacement does it
        // (it sees the kill flag, takes everything from the published cursor on, and ends).
        if (startHelper(monitor_process_, QStringLiteral("monitor"), MonitorStart::Replacement)
                .isEmpty())
            monitor_process_.finish(kHelperStopGraceMs);
    }
    // The run ended when work was told to stop, not when the helpers were done.
    s.control.accumulated_runtime_ns.store(runtimeAt(s.control, s.control.kill_ns.load()));
    s.control.run_state.store(std::uint32_t(shm::RunState::Stopped), std::memory_order_release);
    s.pacing.tank.store(0); // no stale tokens for the next start
    signalEvent(s);
    running_ = false;
    RunSummary r;
    r.runtime_s = toSeconds(s.control.accumulated_runtime_ns.load());
    r.total = options_.as_monitor ? readStats(s.stats).total : totalGranted(s);
    if (r.total > 0 && r.runtime_s > 0) {
        r.mean_rate = double(r.total) / r.runtime_s;
        r.mean_interval_s = r.runtime_s / double(r.total);
    }
    last_summary_ = r;
    return r;
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

bool Throttle::setLogPath(const QString& path) {
    if (running_) return false;
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
