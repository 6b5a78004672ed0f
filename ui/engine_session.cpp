#include "engine_session.h"

#include "executable_lookup.h"
#include "number_format.h"
#include "work_profile.h"

#include <QFileInfo>
#include <algorithm>
#include <csignal>
#include <sys/types.h>

namespace throttlelab::ui {

namespace {

constexpr int kPollMs = 200;
constexpr int kKeptExits = 16;
// Workers of a stopped run end by themselves at the kill flag; one still there after this is
// killed (it is busy in a long work item, or stopped).
constexpr std::chrono::milliseconds kWorkerStopGrace{1500};

QString describe(const ThrottleConfig& c) {
    return QStringLiteral(
               "max_n=%1 per=%2 hardcap=%3 mode=%4 correction=%5 rf_rate=%6 auto_emit=%7")
        .arg(c.max_n)
        .arg(c.per)
        .arg(toString(c.hardcap), toString(c.mode))
        .arg(c.correction)
        .arg(c.rf_rate)
        .arg(c.auto_emit ? QStringLiteral("on") : QStringLiteral("off"));
}

// What changed between two configurations, field by field: "max_n 4 -> 10, hardcap window".
QString describeChange(const ThrottleConfig& a, const ThrottleConfig& b) {
    QStringList parts;
    if (a.max_n != b.max_n) parts << QStringLiteral("max_n %1 -> %2").arg(a.max_n).arg(b.max_n);
    if (a.per != b.per) parts << QStringLiteral("per %1 -> %2 s").arg(a.per).arg(b.per);
    if (a.hardcap != b.hardcap) parts << QStringLiteral("hardcap %1").arg(toString(b.hardcap));
    if (a.mode != b.mode) parts << QStringLiteral("mode %1").arg(toString(b.mode));
    if (a.correction != b.correction)
        parts << QStringLiteral("correction %1").arg(formatCorrection(b.correction));
    if (a.rf_rate != b.rf_rate) parts << QStringLiteral("rf_rate %1 s").arg(b.rf_rate);
    if (a.auto_emit != b.auto_emit)
        parts << QStringLiteral("auto_emit %1").arg(b.auto_emit ? "on" : "off");
    return parts.join(QStringLiteral(", "));
}

QString stateName(WorkerState s) {
    switch (s) {
    case WorkerState::Idle:
        return QStringLiteral("idle");
    case WorkerState::Waiting:
        return QStringLiteral("waiting");
    case WorkerState::Working:
        return QStringLiteral("working");
    case WorkerState::Free:
        break;
    }
    return QStringLiteral("free");
}

} // namespace

EngineSession::EngineSession(const QString& name, QObject* parent)
    : QObject(parent)
    , name_(name) {
    qRegisterMetaType<ThrottleConfig>();
    qRegisterMetaType<WorkerRow>();
    qRegisterMetaType<QVector<WorkerRow>>();
    const Experiment t = Experiment::tutorial();
    config_ = t.config;
    wanted_workers_ = t.workers;
    work_profile_ = t.work_profile;
    poll_timer_.setInterval(kPollMs);
    connect(&poll_timer_, &QTimer::timeout, this, &EngineSession::poll);
    connect(&workers_, &ProcessSupervisor::started, this, [this](ProcessId id, qint64 pid) {
        for (OwnWorker& w : own_)
            if (w.id == id) w.pid = pid;
    });
    connect(&workers_, &ProcessSupervisor::exited, this, &EngineSession::onWorkerExited);
    connect(&workers_, &ProcessSupervisor::failedToStart, this,
            [this](ProcessId id, const QString& error) {
                log(error);
                own_.erase(std::remove_if(own_.begin(), own_.end(),
                                          [id](const OwnWorker& w) { return w.id == id; }),
                           own_.end());
                workers_.forget(id);
            });
    connect(&workers_, &ProcessSupervisor::standardErrorLine, this,
            [this](ProcessId id, const QString& line) {
                log(QStringLiteral("worker %1: %2").arg(workers_.pid(id)).arg(line));
            });
}

bool EngineSession::isRunning() const {
    return throttle_ && (throttle_->state() == Throttle::State::Running ||
                         throttle_->state() == Throttle::State::Starting);
}

EngineSession::~EngineSession() {
    shutdown();
}

void EngineSession::log(const QString& line) {
    Q_EMIT logged(line);
}

QString EngineSession::start() {
    if (shutting_down_) return QStringLiteral("the session is closing");
    if (isRunning()) return {};
    if (replace_throttle_ && throttle_ && throttle_->state() == Throttle::State::Stopped) {
        // A new owner under the same name: the old one (and its segment) must be gone first,
        // and this may run inside the old throttle's own stopped() signal, so both happen
        // from the event loop.
        Throttle* old = throttle_.release();
        old->blockSignals(true);
        replace_throttle_ = false;
        QTimer::singleShot(0, this, [this, old] {
            delete old;
            if (!shutting_down_) start();
        });
        return {};
    }
    if (!throttle_) {
        ThrottleOptions o;
        o.name = name_;
        o.backend_url = backend_url_;
        o.on_backend_loss = backend_policy_;
        o.config = config_;
        o.auto_emit = config_.auto_emit;
        // Calibration is the calibration view's job; start() must not block on it.
        o.auto_calibrate = false;
        o.correction_given = true;
        o.log_path = emission_log_;
        throttle_ = std::make_unique<Throttle>(o);
        connect(throttle_.get(), &Throttle::started, this, &EngineSession::onThrottleStarted);
        connect(throttle_.get(), &Throttle::stopped, this, &EngineSession::onThrottleStopped);
        connect(throttle_.get(), &Throttle::startFailed, this, [this](const QString& e) {
            log(QStringLiteral("start failed: ") + e);
            Q_EMIT runningChanged(false);
        });
        connect(throttle_.get(), &Throttle::helperReplaced, this,
                [this](const QString& role, const QString& reason) {
                    log(QStringLiteral("the %1 process was replaced: %2").arg(role, reason));
                    Q_EMIT happened(QStringLiteral("%1 process replaced").arg(role));
                });
        connect(throttle_.get(), &Throttle::helperGaveUp, this, &EngineSession::log);
    }
    if (throttle_->state() == Throttle::State::Stopping) {
        start_when_stopped_ = true; // the helpers of the last run are still ending
        return {};
    }
    throttle_->setConfig(config_);
    throttle_->setLogPath(emission_log_);
    if (clean_run_pending_) {
        ++clean_runs_;
        throttle_->resetFigures();
        exited_.clear();
        grant_samples_.clear();
        last_permits_.clear();
    }
    // A worker of the previous run still ending must not take a permit of this one.
    killEndingWorkers();
    if (QString e = throttle_->beginStart(); !e.isEmpty()) {
        log(QStringLiteral("start failed: ") + e);
        return e;
    }
    return {};
}

QString EngineSession::setBackend(const QString& url, std::optional<BackendLossPolicy> policy) {
    if (url == backend_url_ && policy == backend_policy_) return {};
    if (!url.isEmpty()) {
        ThrottleOptions o;
        o.name = name_;
        o.config = config_;
        o.backend_url = url;
        o.on_backend_loss = policy;
        if (const ConfigError e = checkOptions(o.resolved())) return e.message();
    }
    backend_url_ = url;
    backend_policy_ = url.isEmpty() ? std::nullopt : policy;
    replace_throttle_ = true;
    log(url.isEmpty() ? QStringLiteral("the budget is this machine's own again")
                      : QStringLiteral("sharing the budget through %1").arg(url));
    Q_EMIT happened(url.isEmpty() ? QStringLiteral("budget local")
                                  : QStringLiteral("budget shared"));
    if (isRunning()) return startCleanRun();
    return {};
}

BackendInfo EngineSession::backendInfo() const {
    return throttle_ && throttle_->attached() ? throttle_->client().backendInfo() : BackendInfo{};
}

void EngineSession::onThrottleStarted() {
    exited_.clear();
    const bool clean = clean_run_pending_;
    clean_run_pending_ = false;
    log(QStringLiteral("started %1throttle '%2': %3")
            .arg(clean ? QStringLiteral("a clean run of ") : QString(), name_, describe(config())));
    poll_timer_.start();
    reconcileWorkers();
    poll(); // the table shows this run from its first moment
    if (clean) Q_EMIT cleanRunStarted();
    Q_EMIT happened(clean ? QStringLiteral("clean run started") : QStringLiteral("started"));
    Q_EMIT runningChanged(true);
}

void EngineSession::stop() {
    start_when_stopped_ = false;
    if (!isRunning()) return;
    // The helpers end within milliseconds of the kill flag. The workers saw it too and end
    // by themselves; the supervisor kills any still there after the grace period, and
    // reports each exit, so nothing here waits (a GUI thread that waited froze the window for
    // as long as a work item lasted).
    throttle_->beginStop();
    for (OwnWorker& w : own_)
        w.ending = true;
    workers_.endAll(kWorkerStopGrace);
}

void EngineSession::onThrottleStopped(const RunSummary& r) {
    log(QStringLiteral("stopped: runtime %1 s, %2 permits, mean %3/s")
            .arg(r.runtime_s, 0, 'f', 1)
            .arg(r.total)
            .arg(r.mean_rate, 0, 'f', 2));
    poll();
    Q_EMIT happened(QStringLiteral("stopped"));
    Q_EMIT runningChanged(false);
    if (start_when_stopped_ && !shutting_down_) {
        start_when_stopped_ = false;
        start();
    }
}

QString EngineSession::startCleanRun() {
    if (shutting_down_) return QStringLiteral("the session is closing");
    clean_run_pending_ = true;
    if (isRunning()) {
        stop();
        start_when_stopped_ = true;
        return {};
    }
    return start();
}

QString EngineSession::restart() {
    if (!isRunning()) return start();
    stop();
    start_when_stopped_ = true;
    return {};
}

void EngineSession::shutdown() {
    if (shutting_down_) return;
    shutting_down_ = true;
    // It is going away: nobody hears from it or its throttle again.
    blockSignals(true);
    if (throttle_) throttle_->blockSignals(true);
    poll_timer_.stop();
    if (throttle_) throttle_->setKillFlag();
    // Every worker saw the kill flag at the same moment: they end together, so busy workers
    // cost one grace period in all, not one each. The window is closing: this may wait.
    workers_.blockSignals(true);
    workers_.endAll(std::chrono::seconds(1));
    workers_.waitForAllExited(std::chrono::seconds(2));
    own_.clear();
    if (throttle_) throttle_->blockSignals(true);
    throttle_.reset(); // stops and reaps the throttle and monitor processes
}

ConfigError EngineSession::applyConfig(const ThrottleConfig& c) {
    if (ConfigError e = checkConfig(c)) return e;
    if (!backend_url_.isEmpty())
        if (ConfigError e = checkSharedConfig(c)) return e;
    if (throttle_) {
        if (ConfigError e = throttle_->setConfig(c)) return e;
    }
    const bool changed = !(c == config_);
    const ThrottleConfig before = config_;
    config_ = c;
    if (changed) {
        log(QStringLiteral("applied %1").arg(describe(c)));
        if (isRunning()) Q_EMIT happened(describeChange(before, c));
        Q_EMIT configChanged(c);
    }
    return {};
}

QString EngineSession::setWorkProfile(const QString& profile) {
    QString error;
    if (!WorkProfile::parse(profile, &error)) return QStringLiteral("work profile ") + error;
    if (profile == work_profile_) return {};
    work_profile_ = profile;
    log(QStringLiteral("work profile %1").arg(profile));
    // A worker reads its profile once, at launch: replace the running ones.
    for (OwnWorker& w : own_)
        if (!w.ending) endWorker(w);
    reconcileWorkers();
    return {};
}

void EngineSession::setWorkerCount(int count) {
    count = std::clamp(count, 0, kMaxWorkers);
    if (count == wanted_workers_) return;
    log(QStringLiteral("workers %1 -> %2").arg(wanted_workers_).arg(count));
    if (isRunning())
        Q_EMIT happened(QStringLiteral("workers %1 -> %2").arg(wanted_workers_).arg(count));
    wanted_workers_ = count;
    reconcileWorkers();
}

QString EngineSession::applyExperiment(const Experiment& x) {
    if (ConfigError e = applyConfig(x.config)) return e.message();
    if (QString e = setWorkProfile(x.work_profile); !e.isEmpty()) return e;
    setWorkerCount(x.workers);
    log(QStringLiteral("loaded experiment '%1'").arg(x.title));
    return {};
}

ThrottleConfig EngineSession::config() const {
    return throttle_ && throttle_->attached() ? throttle_->config() : config_;
}

Experiment EngineSession::currentExperiment() const {
    Experiment x;
    x.config = config();
    x.workers = wanted_workers_;
    x.work_profile = work_profile_;
    return x;
}

QString EngineSession::workerProgram() const {
    if (!worker_program_override_.isEmpty()) {
        const QFileInfo fi(worker_program_override_);
        return fi.isFile() && fi.isExecutable() ? fi.absoluteFilePath() : QString();
    }
    return findExecutable(QStringLiteral("throttle-worker"));
}

void EngineSession::spawnWorker() {
    const QString program = workerProgram();
    if (program.isEmpty()) {
        log(QStringLiteral("cannot start workers: the throttle-worker executable was not found "
                           "next to throttlelab or on PATH (set THROTTLELAB_BIN_DIR)"));
        return;
    }
    ProcessSpec spec =
        ProcessSpec::of(QStringLiteral("worker"), program,
                        {QStringLiteral("--name"), name_, QStringLiteral("--work"), work_profile_});
    spec.capture_stderr = true;
    const ProcessId id = workers_.launch(spec);
    own_.append({id, workers_.pid(id), false, clean_runs_});
}

void EngineSession::killEndingWorkers() {
    for (const OwnWorker& w : own_)
        if (w.ending) workers_.kill(w.id);
}

void EngineSession::endWorker(OwnWorker& w) {
    w.ending = true;
    workers_.end(w.id, kWorkerStopGrace, ProcessSupervisor::EndFirst::Terminate);
}

void EngineSession::reconcileWorkers() {
    if (shutting_down_) return;
    int alive =
        int(std::count_if(own_.begin(), own_.end(), [](const OwnWorker& w) { return !w.ending; }));
    if (isRunning()) {
        for (; alive < wanted_workers_; ++alive) {
            const int before = int(own_.size());
            spawnWorker();
            if (int(own_.size()) == before) break; // no executable: logged once
        }
    }
    // The newest go first, so the long-running ones keep their history in the table.
    for (auto it = own_.rbegin(); it != own_.rend() && alive > wanted_workers_; ++it)
        if (!it->ending) {
            endWorker(*it);
            --alive;
        }
}

void EngineSession::onWorkerExited(const ProcessExit& exit) {
    auto it =
        std::find_if(own_.begin(), own_.end(), [&](const OwnWorker& w) { return w.id == exit.id; });
    if (it == own_.end()) return;
    const bool ending = it->ending || exit.asked;
    const bool earlier_run = it->run != clean_runs_;
    own_.erase(it);
    workers_.forget(exit.id);
    ended_pids_.append(exit.pid);
    while (ended_pids_.size() > 4 * kMaxWorkers)
        ended_pids_.removeFirst();
    const QString state = exit.describe();
    if (earlier_run) return; // the run it belonged to is cleared from view
    exited_.append({exit.pid, state, last_permits_.value(exit.pid)});
    while (exited_.size() > kKeptExits)
        exited_.removeFirst();
    if (!ending) {
        if (exit.crashed) {
            log(QStringLiteral("worker %1 %2; the other workers keep getting permits")
                    .arg(exit.pid)
                    .arg(state));
            Q_EMIT happened(QStringLiteral("worker %1 %2").arg(exit.pid).arg(state));
        } else
            log(QStringLiteral("worker %1 %2").arg(exit.pid).arg(state));
    }
    if (!shutting_down_) poll();
}

bool EngineSession::killWorker(qint64 pid) {
    if (pid <= 0) return false;
    if (::kill(pid_t(pid), SIGKILL) != 0) {
        log(QStringLiteral("could not kill %1: %2").arg(pid).arg(qt_error_string(errno)));
        return false;
    }
    log(QStringLiteral("sent SIGKILL to worker %1").arg(pid));
    return true;
}

QList<qint64> EngineSession::ownWorkerPids() const {
    QList<qint64> out;
    for (const OwnWorker& w : own_)
        if (w.pid > 0) out.append(w.pid);
    return out;
}

QList<qint64> EngineSession::helperPids() const {
    QList<qint64> out;
    if (!throttle_ || !throttle_->attached()) return out;
    const RunInfo r = throttle_->client().runInfo();
    if (r.throttle_pid > 0) out.append(r.throttle_pid);
    if (r.monitor_pid > 0) out.append(r.monitor_pid);
    return out;
}

std::vector<HistorySample> EngineSession::readHistory(std::uint64_t after,
                                                      std::uint64_t* next) const {
    if (!throttle_ || !throttle_->attached()) {
        if (next) *next = after;
        return {};
    }
    return throttle_->client().history(after, next);
}

StatsSnapshot EngineSession::stats() const {
    return throttle_ && throttle_->attached() ? throttle_->stats() : StatsSnapshot{};
}

RunInfo EngineSession::runInfo() const {
    return throttle_ && throttle_->attached() ? throttle_->client().runInfo() : RunInfo{};
}

SessionStatus EngineSession::status() const {
    SessionStatus s;
    s.running = isRunning();
    const StatsSnapshot st = stats();
    const RunInfo ri = runInfo();
    s.runtime_s = toSeconds(ri.runtime_ns);
    s.total = st.total;
    s.mean_rate = st.mean.rate;
    s.latest_rate = st.latest.rate;
    s.target_rate = config().targetRate();
    for (const WorkerRow& r : rows_)
        s.workers_alive += r.alive ? 1 : 0;
    s.monitor_stalled = ri.monitor_stalled;
    s.throttle_stalled = ri.throttle_stalled;
    return s;
}

void EngineSession::poll() {
    if (!throttle_ || !throttle_->attached()) return;
    const Nanos now = monotonicNow();
    // The monitor's window: `per`, but at least 1 s, so a rate of a few per second is a count
    // over a second or more, not a 0.2 s difference.
    const Nanos window = std::max<Nanos>(kNanosPerSecond, fromSeconds(config().per));
    std::uint64_t window_permits = 0;
    QVector<WorkerRow> rows;
    QHash<qint64, bool> external_now;
    QList<qint64> attached;
    for (const WorkerInfo& w : throttle_->client().workers()) {
        if (w.state == WorkerState::Free || w.pid <= 0) continue;
        // Dead already, its slot not yet freed by the monitor: the exit row tells it.
        if (ended_pids_.contains(w.pid)) continue;
        WorkerRow r;
        r.pid = w.pid;
        r.own = std::any_of(own_.begin(), own_.end(),
                            [&](const OwnWorker& o) { return o.pid == w.pid; });
        r.state = stateName(w.state);
        r.permits = w.grants;
        r.last_permit_age_s = w.last_grant_ns > 0 ? toSeconds(now - w.last_grant_ns) : -1;
        auto& samples = grant_samples_[w.pid];
        samples.emplace_back(now, w.grants);
        // Keep one sample at or before the window's start: the count is over the whole window.
        while (samples.size() > 2 && samples[1].first <= now - window)
            samples.pop_front();
        const auto& [t0, g0] = samples.front();
        const std::uint64_t in_window = w.grants - std::min(w.grants, g0);
        // Over the window once it is full; before that, over the time since first seen.
        const Nanos span = std::max(now - t0, kNanosPerMilli);
        r.rate = samples.size() > 1 ? double(in_window) / toSeconds(span) : 0;
        r.share_percent = double(in_window); // made a share below
        window_permits += in_window;
        last_permits_[w.pid] = w.grants;
        if (!r.own) external_now.insert(w.pid, true);
        attached.append(w.pid);
        rows.append(r);
    }
    for (const OwnWorker& o : own_) {
        if (attached.contains(o.pid)) continue;
        WorkerRow r;
        r.pid = o.pid;
        r.own = true;
        r.state = o.ending ? QStringLiteral("ending") : QStringLiteral("starting");
        r.permits = last_permits_.value(o.pid);
        if (o.pid > 0) rows.append(r);
    }
    for (const Exited& e : exited_) {
        WorkerRow r;
        r.pid = e.pid;
        r.own = true;
        r.alive = false;
        r.state = e.state;
        r.permits = e.permits;
        rows.append(r);
    }
    // Each worker's rate is its share of the monitor's latest rate (permits in its window),
    // so the column adds up to the rate the charts show; before the monitor has one, the
    // worker's own count over the time seen.
    const double latest = stats().latest.rate;
    for (WorkerRow& r : rows) {
        r.share_percent =
            r.alive && window_permits > 0 ? 100.0 * r.share_percent / double(window_permits) : 0;
        if (r.alive && latest > 0 && window_permits > 0) r.rate = latest * r.share_percent / 100;
    }
    // Workers gone from the segment take their samples with them.
    for (auto it = grant_samples_.begin(); it != grant_samples_.end();)
        it = attached.contains(it.key()) ? std::next(it) : grant_samples_.erase(it);
    for (auto it = external_now.begin(); it != external_now.end(); ++it)
        if (!seen_external_.contains(it.key()))
            log(QStringLiteral("external worker %1 joined").arg(it.key()));
    for (auto it = seen_external_.begin(); it != seen_external_.end(); ++it)
        if (!external_now.contains(it.key()))
            log(QStringLiteral("external worker %1 left (its slot was freed)").arg(it.key()));
    seen_external_ = external_now;
    rows_ = rows;
    Q_EMIT workersUpdated(rows_);
    if (throttle_->isRunning() && throttle_->client().runInfo().stop_requested) {
        log(QStringLiteral("stop requested from outside (throttlectl stop)"));
        stop();
    }
}

} // namespace throttlelab::ui
