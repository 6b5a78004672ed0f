#include "process_supervisor.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QEventLoop>
#include <csignal>
#include <thread>

namespace throttlelab {

namespace {
// How often heartbeats are read: a tenth of the usual stall bound, a few atomic loads.
constexpr std::chrono::milliseconds kWatchInterval{100};
// A line longer than this without a newline is not a readiness line: it is dropped.
constexpr qint64 kMaxReadyLine = 4096;
} // namespace

bool hasEventLoop() {
    return QAbstractEventDispatcher::instance() != nullptr;
}

QString ProcessExit::describe() const {
    if (stalled) return QStringLiteral("stopped answering and was killed");
    if (asked) {
        if (crashed) return QStringLiteral("stopped (signal %1)").arg(code);
        return code == 0 ? QStringLiteral("stopped") : QStringLiteral("exited %1").arg(code);
    }
    return crashed ? QStringLiteral("killed (signal %1)").arg(code)
                   : QStringLiteral("exited %1").arg(code);
}

struct ProcessSupervisor::Entry {
    ProcessId id = 0;
    ProcessSpec spec;
    std::unique_ptr<QProcess> process;
    int generation = 0; // one per start: a grace kill never reaches a replacement
    qint64 pid = 0;
    bool running = false;
    bool ready = false;
    bool ending = false;
    bool stall_killed = false;
    Nanos silent_ns = 0;
    Nanos launched_ns = 0;
    Nanos kill_at_ns = 0; // 0: no grace period running
    std::deque<Nanos> restarts;
    QByteArray stderr_partial;
    std::optional<ProcessExit> last_exit;
};

ProcessSupervisor::ProcessSupervisor(QObject* parent)
    : QObject(parent) {
    qRegisterMetaType<ProcessExit>();
    qRegisterMetaType<ProcessId>("throttlelab::ProcessId");
    watch_.setInterval(kWatchInterval);
    connect(&watch_, &QTimer::timeout, this, [this] {
        dropRetired();
        checkHeartbeats();
    });
}

ProcessSupervisor::~ProcessSupervisor() {
    destroying_ = true;
    blockSignals(true);
    for (auto& [id, e] : entries_)
        if (e->process && e->process->state() != QProcess::NotRunning) {
            e->process->disconnect(this);
            e->process->kill();
        }
    for (auto& [id, e] : entries_)
        if (e->process && e->process->state() != QProcess::NotRunning)
            e->process->waitForFinished(2000);
}

ProcessSupervisor::Entry* ProcessSupervisor::find(ProcessId id) const {
    auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : it->second.get();
}

ProcessId ProcessSupervisor::launch(ProcessSpec spec) {
    dropRetired();
    auto e = std::make_unique<Entry>();
    e->id = next_id_++;
    e->spec = std::move(spec);
    Entry& entry = *e;
    entries_.emplace(entry.id, std::move(e));
    if (entry.spec.heartbeat && entry.spec.stall_bound.count() > 0 && !watch_.isActive() &&
        hasEventLoop())
        watch_.start();
    startProcess(entry, false);
    return entry.id;
}

void ProcessSupervisor::startProcess(Entry& e, bool replacement) {
    if (e.process) {
        e.process->disconnect(this);
        retired_.push_back(std::move(e.process));
    }
    auto owned = std::make_unique<QProcess>();
    QProcess* p = owned.get();
    const ProcessId id = e.id;
    if (!e.spec.owner_talks) p->setStandardInputFile(QProcess::nullDevice());
    if (!e.spec.owner_talks && !e.spec.announces_ready)
        p->setStandardOutputFile(QProcess::nullDevice());
    p->setProcessChannelMode(e.spec.capture_stderr ? QProcess::SeparateChannels
                                                   : QProcess::ForwardedErrorChannel);
    connect(p, &QProcess::started, this, [this, id, p] { onStarted(id, p); });
    connect(p, &QProcess::finished, this, [this, id, p](int code, QProcess::ExitStatus status) {
        onFinished(id, p, code, status);
    });
    connect(p, &QProcess::errorOccurred, this, [this, id, p](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) onFailedToStart(id, p);
    });
    if (e.spec.announces_ready && !e.spec.owner_talks)
        connect(p, &QProcess::readyReadStandardOutput, this, [this, id, p] {
            if (Entry* x = find(id); x && x->process.get() == p) readReady(*x);
        });
    if (e.spec.capture_stderr)
        connect(p, &QProcess::readyReadStandardError, this, [this, id, p] {
            Entry* x = find(id);
            if (!x || x->process.get() != p) return;
            x->stderr_partial += p->readAllStandardError();
            qsizetype nl;
            while ((nl = x->stderr_partial.indexOf('\n')) >= 0) {
                const QString line = QString::fromUtf8(x->stderr_partial.left(nl)).trimmed();
                x->stderr_partial.remove(0, nl + 1);
                if (!line.isEmpty()) Q_EMIT standardErrorLine(id, line);
            }
        });
    e.process = std::move(owned);
    ++e.generation;
    e.ready = false;
    e.stall_killed = false;
    e.kill_at_ns = 0;
    e.last_exit.reset();
    e.launched_ns = monotonicNow();
    e.stderr_partial.clear();
    const QStringList& args =
        replacement && !e.spec.restart_args.isEmpty() ? e.spec.restart_args : e.spec.args;
    e.running = true;
    p->start(e.spec.program, args);
    e.pid = p->processId();
}

void ProcessSupervisor::onStarted(ProcessId id, QProcess* p) {
    Entry* e = find(id);
    if (!e || e->process.get() != p) return;
    e->pid = p->processId();
    Q_EMIT started(id, e->pid);
}

void ProcessSupervisor::onFailedToStart(ProcessId id, QProcess* p) {
    Entry* e = find(id);
    if (!e || e->process.get() != p || !e->running) return;
    e->running = false;
    e->pid = 0;
    const QString error =
        QStringLiteral("cannot start %1: %2").arg(e->spec.program, p->errorString());
    // It may fail inside launch(), before the caller holds the id: the signal waits for the
    // event loop, and isRunning() already tells a caller without one.
    if (!hasEventLoop()) return;
    QMetaObject::invokeMethod(
        this, [this, id, error] { Q_EMIT failedToStart(id, error); }, Qt::QueuedConnection);
}

void ProcessSupervisor::readReady(Entry& e) {
    QProcess* p = e.process.get();
    while (p->canReadLine()) {
        const QByteArray line = p->readLine().trimmed();
        if (!e.ready && line == "ready") {
            e.ready = true;
            Q_EMIT ready(e.id);
        }
    }
    if (p->bytesAvailable() > kMaxReadyLine) p->readAll();
}

bool ProcessSupervisor::budgetAllows(Entry& e) {
    const RestartBudget& b = e.spec.budget;
    if (b.restarts <= 0) return false;
    const Nanos now = monotonicNow();
    if (b.window.count() > 0)
        while (!e.restarts.empty() &&
               now - e.restarts.front() > Nanos(b.window.count()) * kNanosPerMilli)
            e.restarts.pop_front();
    if (int(e.restarts.size()) >= b.restarts) return false;
    e.restarts.push_back(now);
    return true;
}

void ProcessSupervisor::onFinished(ProcessId id, QProcess* p, int code,
                                   QProcess::ExitStatus status) {
    Entry* e = find(id);
    if (!e || e->process.get() != p || !e->running) return;
    ++delivering_;
    if (e->spec.announces_ready && !e->spec.owner_talks) readReady(*e);
    ProcessExit x;
    x.id = id;
    x.label = e->spec.label;
    x.pid = e->pid;
    x.code = code;
    x.crashed = status == QProcess::CrashExit;
    x.asked = e->ending;
    x.stalled = e->stall_killed;
    const Nanos silent = e->silent_ns;
    e->running = false;
    e->ready = false;
    e->kill_at_ns = 0;
    const bool wanted = !e->ending && !destroying_ && e->spec.restart_automatically;
    x.restarting = wanted && budgetAllows(*e);
    e->last_exit = x;
    Q_EMIT exited(x);
    // The owner's slot may have ended or forgotten it meanwhile.
    e = find(id);
    if (e && !e->ending && !e->running) {
        if (x.restarting) {
            const QString reason =
                x.stalled ? QStringLiteral("it had stopped answering (no heartbeat for %1 s) "
                                           "and was killed")
                                .arg(toSeconds(silent), 0, 'f', 1)
                          : QStringLiteral("it had died (%1)").arg(x.describe());
            startProcess(*e, true);
            Q_EMIT restarted(id, e->pid, reason);
        } else if (wanted) {
            const RestartBudget& b = e->spec.budget;
            Q_EMIT gaveUp(
                id,
                QStringLiteral("the %1 process died %2 times %3; it stays down")
                    .arg(e->spec.label)
                    .arg(b.restarts + 1)
                    .arg(b.window.count() > 0
                             ? QStringLiteral("within %1 s").arg(double(b.window.count()) / 1000.0)
                             : QStringLiteral("in this run")));
        }
    }
    --delivering_;
}

bool ProcessSupervisor::restart(ProcessId id, const QString& reason) {
    Entry* e = find(id);
    if (!e || e->ending || e->running || !budgetAllows(*e)) return false;
    startProcess(*e, true);
    Q_EMIT restarted(id, e->pid, reason);
    return true;
}

void ProcessSupervisor::end(ProcessId id, std::chrono::milliseconds grace, EndFirst first) {
    Entry* e = find(id);
    if (!e) return;
    e->ending = true;
    if (!e->running) return;
    QProcess* p = e->process.get();
    if (first == EndFirst::Terminate) p->terminate();
    if (first == EndFirst::CloseInput && e->spec.owner_talks) p->closeWriteChannel();
    e->kill_at_ns = monotonicNow() + Nanos(grace.count()) * kNanosPerMilli;
    const int generation = e->generation;
    if (!hasEventLoop()) return; // the wait... functions and checkNow() keep the time
    QTimer::singleShot(grace, this, [this, id, generation] {
        Entry* x = find(id);
        if (x && x->generation == generation && x->running) x->process->kill();
    });
}

void ProcessSupervisor::endAll(std::chrono::milliseconds grace, EndFirst first) {
    for (auto& [id, e] : entries_)
        end(id, grace, first);
}

void ProcessSupervisor::kill(ProcessId id) {
    if (Entry* e = find(id); e && e->running) e->process->kill();
}

void ProcessSupervisor::forget(ProcessId id) {
    Entry* e = find(id);
    if (!e || e->running) return;
    if (e->process) {
        e->process->disconnect(this);
        retired_.push_back(std::move(e->process));
    }
    entries_.erase(id);
}

bool ProcessSupervisor::isRunning(ProcessId id) const {
    const Entry* e = find(id);
    return e && e->running;
}

bool ProcessSupervisor::isReady(ProcessId id) const {
    const Entry* e = find(id);
    return e && e->running && e->ready;
}

bool ProcessSupervisor::isEnding(ProcessId id) const {
    const Entry* e = find(id);
    return e && e->ending;
}

qint64 ProcessSupervisor::pid(ProcessId id) const {
    const Entry* e = find(id);
    return e && e->running ? e->pid : 0;
}

QString ProcessSupervisor::label(ProcessId id) const {
    const Entry* e = find(id);
    return e ? e->spec.label : QString();
}

QProcess* ProcessSupervisor::process(ProcessId id) const {
    const Entry* e = find(id);
    return e ? e->process.get() : nullptr;
}

std::optional<ProcessExit> ProcessSupervisor::lastExit(ProcessId id) const {
    const Entry* e = find(id);
    if (!e || e->running) return std::nullopt;
    return e->last_exit;
}

int ProcessSupervisor::runningCount() const {
    int n = 0;
    for (const auto& [id, e] : entries_)
        n += e->running ? 1 : 0;
    return n;
}

QList<ProcessId> ProcessSupervisor::ids() const {
    QList<ProcessId> out;
    for (const auto& [id, e] : entries_)
        out.append(id);
    return out;
}

QList<ProcessId> ProcessSupervisor::checkHeartbeats() {
    QList<ProcessId> killed;
    const Nanos now = monotonicNow();
    for (auto& [id, e] : entries_) {
        if (!e->running || e->ending || e->stall_killed || !e->spec.heartbeat) continue;
        if (e->spec.stall_bound.count() <= 0) continue;
        const Nanos last = std::max(e->spec.heartbeat(), e->launched_ns);
        const Nanos silent = now - last;
        if (silent <= Nanos(e->spec.stall_bound.count()) * kNanosPerMilli) continue;
        // Alive but silent (stopped, or stuck): it cannot be trusted to end by itself.
        e->stall_killed = true;
        e->silent_ns = silent;
        e->process->kill();
        killed << id;
    }
    return killed;
}

void ProcessSupervisor::killOverdue() {
    const Nanos now = monotonicNow();
    for (auto& [id, e] : entries_)
        if (e->running && e->kill_at_ns > 0 && now >= e->kill_at_ns) e->process->kill();
}

void ProcessSupervisor::dropRetired() {
    if (delivering_ > 0) return;
    for (auto& p : retired_)
        if (p->state() != QProcess::NotRunning) {
            p->kill();
            p->waitForFinished(2000);
        }
    retired_.clear();
}

void ProcessSupervisor::checkNow() {
    dropRetired();
    killOverdue();
    // One killed for silence is reaped here, so its replacement starts in this same call.
    for (ProcessId id : checkHeartbeats())
        if (Entry* e = find(id)) e->process->waitForFinished(1000);
    // Collects pending exits and readiness lines; each arrives as its signal.
    std::vector<std::pair<ProcessId, int>> running;
    for (auto& [id, e] : entries_)
        if (e->running) running.emplace_back(id, e->generation);
    for (const auto& [id, generation] : running) {
        Entry* e = find(id);
        if (!e || e->generation != generation || !e->running) continue;
        QProcess* p = e->process.get();
        if (e->spec.announces_ready && !e->ready && !e->spec.owner_talks) p->waitForReadyRead(0);
        if ((e = find(id)) && e->generation == generation && e->running) p->waitForFinished(0);
    }
}

// A local event loop, so every signal, timer and process notification is delivered as in the
// owner's own loop.
bool ProcessSupervisor::waitFor(const std::function<bool()>& done,
                                std::chrono::milliseconds timeout) {
    if (done()) return true;
    const Nanos deadline = monotonicNow() + Nanos(timeout.count()) * kNanosPerMilli;
    if (!hasEventLoop()) {
        // A plain thread: the processes' notifications are collected by polling.
        while (!done() && monotonicNow() < deadline) {
            checkNow();
            if (!done()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return done();
    }
    QEventLoop loop;
    QTimer poll;
    poll.setTimerType(Qt::PreciseTimer);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        killOverdue();
        if (done() || monotonicNow() >= deadline) loop.quit();
    });
    poll.start(2);
    loop.exec(QEventLoop::ExcludeUserInputEvents);
    return done();
}

bool ProcessSupervisor::waitForReady(const QList<ProcessId>& ids,
                                     std::chrono::milliseconds timeout) {
    return waitFor(
               [&] {
                   bool all = true;
                   for (ProcessId id : ids) {
                       const Entry* e = find(id);
                       if (!e || !e->running) return true; // it will never be: stop waiting
                       all = all && e->ready;
                   }
                   return all;
               },
               timeout) &&
           std::all_of(ids.begin(), ids.end(), [this](ProcessId id) { return isReady(id); });
}

bool ProcessSupervisor::waitForExit(const QList<ProcessId>& ids,
                                    std::chrono::milliseconds timeout) {
    return waitFor(
        [&] {
            return std::none_of(ids.begin(), ids.end(),
                                [this](ProcessId id) { return isRunning(id); });
        },
        timeout);
}

bool ProcessSupervisor::waitForAllExited(std::chrono::milliseconds timeout) {
    return waitForExit(ids(), timeout);
}

} // namespace throttlelab
