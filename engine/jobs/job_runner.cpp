#include "job_runner.h"

#include "clock.h"
#include "executable_lookup.h"
#include "one_line.h"
#include "process_supervisor.h"
#include "stash_lock.h"
#include "throttle.h"
#include "throttle_client.h"

#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QProcess>
#include <QSet>
#include <QTimer>
#include <algorithm>
#include <csignal>
#include <deque>
#include <unistd.h>

namespace throttlelab::jobs {

int JobSummary::exitCode() const {
    return error.isEmpty() && !cancelled && missing == 0 && progress.failed == 0 ? 0 : 1;
}

struct JobRunner::Impl {
    struct Worker {
        int index = 0;
        ProcessId id = 0;
        QProcess* process = nullptr; // the supervisor's; a replacement is another
        QSet<QByteArray> pending;
        bool alive = false;
        qint64 pid = 0;
        // The process group of the command the worker runs now (0: none): a worker that dies
        // cannot end it, so the coordinator does.
        pid_t task_group = 0;
    };

    JobSpec spec;
    std::unique_ptr<Stash> stash;
    std::unique_ptr<QLockFile> lock;
    std::vector<QByteArray> todo;
    std::vector<Chunk> chunks;
    std::size_t next_chunk = 0;
    std::unique_ptr<Throttle> throttle;
    std::unique_ptr<ThrottleClient> attached;
    std::vector<std::unique_ptr<Worker>> workers;
    ProcessSupervisor supervisor;
    QTimer tick;
    Nanos started_ns = 0;
    std::deque<std::pair<Nanos, long long>> samples;
    JobProgress progress;
    JobSummary summary;
    bool prepared = false, started = false, stopping = false, finishing = false, finished = false;
    bool may_wait = false; // the destructor: ends the throttle before it returns
    JobRunner* owner = nullptr;

    void event(const QString& text) { Q_EMIT owner->logged(text); }

    // The rate is measured over the last few seconds of samples, one per tick.
    void recordSample() {
        const Nanos now = monotonicNow();
        samples.emplace_back(now, progress.done + progress.failed);
        while (samples.size() > 2 && now - samples.front().first > 3 * kNanosPerSecond)
            samples.pop_front();
    }

    JobProgress snapshot() const {
        JobProgress p = progress;
        p.in_flight = 0;
        p.workers_alive = 0;
        for (const auto& w : workers) {
            p.in_flight += w->pending.size();
            p.workers_alive += w->alive ? 1 : 0;
        }
        const Nanos now = monotonicNow();
        p.elapsed_s = started_ns > 0 ? toSeconds(now - started_ns) : 0;
        const long long finished_items = p.done + p.failed;
        if (!samples.empty()) {
            const auto& [t0, n0] = samples.front();
            if (now - t0 > 200 * kNanosPerMilli)
                p.rate = double(finished_items - n0) / toSeconds(now - t0);
        }
        const long long remaining = p.to_do - finished_items;
        p.eta_s = remaining == 0 ? 0 : p.rate > 0 ? double(remaining) / p.rate : -1;
        return p;
    }

    QString worker_exe, task_json, throttle_for_workers;
    int replacements = 0;

    // A crashed worker is replaced, within a budget, so a task that kills its worker every
    // time cannot loop forever.
    RestartBudget replacementBudget() const { return {std::max(4, 2 * spec.workers), {}}; }

    Worker* workerOf(ProcessId id) {
        for (auto& w : workers)
            if (w->id == id) return w.get();
        return nullptr;
    }

    // Starts worker `index` and hands it its first chunk; a start failure arrives as
    // failedToStart (connected in start()).
    void spawnWorker(int index) {
        auto w = std::make_unique<Worker>();
        w->index = index;
        QStringList args{QStringLiteral("--task-json"), task_json, QStringLiteral("--index"),
                         QString::number(index)};
        if (!throttle_for_workers.isEmpty())
            args << QStringLiteral("--throttle") << throttle_for_workers;
        if (spec.hold_while_stopped && !spec.attach_name.isEmpty())
            args << QStringLiteral("--hold-while-stopped");
        ProcessSpec spec =
            ProcessSpec::of(QStringLiteral("worker %1").arg(index), worker_exe, args);
        spec.owner_talks = true;
        spec.capture_stderr = true;
        spec.budget = replacementBudget();
        Worker* raw = w.get();
        workers.push_back(std::move(w));
        raw->id = supervisor.launch(spec);
        attach(*raw);
    }

    // The worker's current process (a start or a replacement): read its results, feed it.
    void attach(Worker& w) {
        w.process = supervisor.process(w.id);
        w.alive = supervisor.isRunning(w.id);
        w.pid = supervisor.pid(w.id);
        w.pending.clear();
        w.task_group = 0;
        if (!w.alive) return;
        Worker* raw = &w;
        QObject::connect(w.process, &QProcess::readyReadStandardOutput, &tick,
                         [this, raw] { readResults(*raw); });
        dispatch(w);
    }

    void dispatch(Worker& w) {
        if (stopping || next_chunk >= chunks.size()) {
            // End of input: the worker finishes and exits (it was asked to).
            supervisor.end(w.id, std::chrono::hours(24), ProcessSupervisor::EndFirst::CloseInput);
            return;
        }
        const Chunk c = chunks[next_chunk++];
        QByteArray data;
        for (std::size_t i = c.begin; i < c.end; ++i) {
            data += todo[i] + '\n';
            w.pending.insert(todo[i]);
        }
        w.process->write(data);
    }

    void readResults(Worker& w) {
        while (w.process->canReadLine()) {
            const QByteArray line = w.process->readLine();
            if (line.startsWith("{\"task_group\":")) {
                w.task_group =
                    pid_t(QJsonDocument::fromJson(line).object().value("task_group").toInt());
                continue;
            }
            QString error;
            auto r = ItemResult::fromLine(line, &error);
            if (!r || !w.pending.remove(r->key)) {
                event(QStringLiteral("worker %1 sent a line that is not a result of its keys: %2")
                          .arg(w.index)
                          .arg(oneLine(QString::fromUtf8(line.left(200)))));
                continue;
            }
            w.task_group = 0;
            record(*r);
            if (finished) return;
        }
        if (w.pending.isEmpty() && w.alive) dispatch(w);
    }

    void record(const ItemResult& r) {
        if (QString e = stash->put(r); !e.isEmpty()) {
            // Results that cannot be kept must not be produced: the run ends here.
            summary.error = e;
            event(e);
            stop();
            return;
        }
        if (r.ok) {
            ++progress.done;
            return;
        }
        ++progress.failed;
        event(QStringLiteral("failed: %1 (%2)")
                  .arg(oneLine(displayKey(r.key)), oneLine(r.describeFailure())));
        if (spec.stop_if_error && !stopping) {
            summary.stopped_on_error = true;
            event(QStringLiteral("ending the run at the first failure (stop if error)"));
            stop();
        }
    }

    void workerEnded(const ProcessExit& exit) {
        Worker* found = workerOf(exit.id);
        if (!found || !found->alive) return;
        Worker& w = *found;
        readResults(w);
        w.alive = false;
        // However the worker died, the command it was running dies with it (the command's
        // parent-death signal ends its leader; this ends the rest of its group).
        if (w.task_group > 0) ::kill(-w.task_group, SIGKILL);
        w.task_group = 0;
        const bool failed = exit.crashed || exit.code != 0;
        const QString how = exit.crashed ? QStringLiteral("was killed")
                                         : QStringLiteral("exited with status %1").arg(exit.code);
        if (!w.pending.isEmpty() && summary.cancelled) {
            // Handed out but not done when the run was cancelled: missing, not lost.
            event(QStringLiteral("worker %1 left %2 key(s) unfinished at the cancel; they stay "
                                 "missing for the next run")
                      .arg(w.index)
                      .arg(w.pending.size()));
            w.pending.clear();
        } else if (!w.pending.isEmpty()) {
            summary.lost += w.pending.size();
            event(QStringLiteral("worker %1 (pid %2) %3 with %4 key(s) unfinished; they stay "
                                 "missing for the next run")
                      .arg(w.index)
                      .arg(w.pid)
                      .arg(how)
                      .arg(w.pending.size()));
            w.pending.clear();
        } else if (failed && !(exit.asked && stopping)) {
            event(QStringLiteral("worker %1 (pid %2) %3").arg(w.index).arg(w.pid).arg(how));
        }
        // Chunks nobody holds yet still get done by a replacement.
        if (exit.crashed && !exit.asked && !stopping && next_chunk < chunks.size()) {
            if (supervisor.restart(w.id, QStringLiteral("it was killed"))) {
                attach(w);
                event(QStringLiteral("worker %1 replaced (pid %2)").arg(w.index).arg(w.pid));
            } else {
                event(QStringLiteral("worker %1 is not replaced: workers died %2 times")
                          .arg(w.index)
                          .arg(replacementBudget().restarts + 1));
            }
        }
        finishIfNoWorker();
    }

    void startWorkers() {
        throttle_for_workers = summary.throttle_name;
        const int count = int(std::min<std::size_t>(std::size_t(spec.workers), chunks.size()));
        for (int i = 0; i < count; ++i)
            spawnWorker(i);
        event(QStringLiteral("started %1 worker(s) on %2 key(s) in %3 chunk(s)%4")
                  .arg(count)
                  .arg(progress.to_do)
                  .arg(chunks.size())
                  .arg(throttle_for_workers.isEmpty() ? QStringLiteral(", no limit")
                                                      : QStringLiteral(", throttle '%1' at %2/s")
                                                            .arg(throttle_for_workers)
                                                            .arg(progress.limit_rate)));
    }

    void finishIfNoWorker() {
        for (const auto& w : workers)
            if (w->alive) return;
        QTimer::singleShot(0, &tick, [this] { finish(); });
    }

    void stop() {
        if (stopping) return;
        stopping = true;
        if (throttle) throttle->setKillFlag();
        // A worker deaf to SIGTERM (stuck in the kernel, say) is killed after a grace.
        for (auto& w : workers)
            if (w->alive) {
                w->process->closeWriteChannel();
                supervisor.end(w->id, std::chrono::seconds(3),
                               ProcessSupervisor::EndFirst::Terminate);
            }
    }

    void finish() {
        if (finished || finishing) return;
        finishing = true;
        tick.stop();
        summary.progress = snapshot();
        summary.progress.in_flight = 0;
        summary.seconds = summary.progress.elapsed_s;
        // The job's own throttle ends without waiting; the run is over once it has.
        if (throttle && throttle->state() != Throttle::State::Stopped && may_wait) {
            throttle->stop();
        } else if (throttle && throttle->state() != Throttle::State::Stopped) {
            QObject::connect(throttle.get(), &Throttle::stopped, &tick,
                             [this] { QTimer::singleShot(0, &tick, [this] { finalize(); }); });
            throttle->beginStop();
            return;
        }
        finalize();
    }

    void finalize() {
        if (finished) return;
        finished = true;
        throttle.reset();
        attached.reset();
        summary.missing = stash->counts().missing;
        stash.reset();
        lock.reset();
        Q_EMIT owner->finished(summary);
    }
};

JobRunner::JobRunner(QObject* parent)
    : QObject(parent)
    , d_(std::make_unique<Impl>()) {
    d_->owner = this;
}

JobRunner::~JobRunner() {
    if (d_->started && !d_->finished) {
        d_->stop();
        d_->supervisor.blockSignals(true);
        for (auto& w : d_->workers)
            if (w->alive) {
                d_->supervisor.kill(w->id);
                w->alive = false;
            }
        d_->supervisor.waitForAllExited(std::chrono::seconds(2));
        blockSignals(true); // the owner is going away
        d_->may_wait = true;
        d_->finishing = false;
        d_->finish();
    }
}

JobError JobRunner::prepare(const JobSpec& spec) {
    Impl& d = *d_;
    d.spec = spec;
    QString error;
    auto items = loadItems(spec.items, &error);
    if (!items) return {spec.items.is_range ? JobInput::Range : JobInput::Items, error, true};
    d.summary.duplicates = qint64(items->duplicates);
    if (!spec.attach_name.isEmpty()) {
        d.attached = ThrottleClient::attach(spec.attach_name, AttachAs::Observer, &error);
        if (!d.attached) return {JobInput::Attach, error, true};
    } else if (spec.limit) {
        if (ConfigError e = checkConfig(*spec.limit)) return fromConfigError(e);
    }
    // The lock first: a second run must not touch a stash in use, not even to create it.
    StashLockFailure lock_failure;
    d.lock = lockStash(spec.stash_path, spec.stash_format, &lock_failure);
    if (!d.lock) return {JobInput::Stash, lock_failure.message, lock_failure.bad_input};
    bool io_failure = false;
    d.stash = Stash::open(spec.stash_path, spec.stash_format, Stash::Access::CreateOrOpen, &error,
                          &io_failure);
    if (!d.stash) return {JobInput::Stash, error, !io_failure};
    if (QString e = d.stash->bindTask(spec.task.fingerprint(), &io_failure); !e.isEmpty())
        return {JobInput::Stash, e, !io_failure};
    if (spec.invalidate) {
        d.summary.invalidated = d.stash->invalidate();
        d.event(QStringLiteral("invalidated: %1 record(s) checked, %2 dropped")
                    .arg(d.summary.invalidated.checked)
                    .arg(d.summary.invalidated.dropped));
    }
    if (QString e = d.stash->setItems(items->keys); !e.isEmpty())
        return {JobInput::Stash, e, false};
    if (items->trimmed > 0)
        d.event(QStringLiteral("%1 key(s) had blanks around them in their line; a key is its line "
                               "without leading and trailing blanks")
                    .arg(items->trimmed));
    const auto stored = d.stash->stored();
    for (const QByteArray& key : items->keys) {
        auto it = stored.constFind(key);
        if (it == stored.cend() || (!it->ok && spec.reprocess_failures))
            d.todo.push_back(key);
        else
            ++d.progress.already_stored;
    }
    d.progress.total = qint64(items->keys.size());
    d.progress.to_do = qint64(d.todo.size());
    d.chunks = planChunks(d.todo.size(), spec.chunk_size, spec.workers);
    if (spec.limit) d.progress.limit_rate = spec.limit->targetRate();
    if (d.attached) d.progress.limit_rate = d.attached->config().targetRate();
    d.prepared = true;
    return {};
}

QString JobRunner::start() {
    Impl& d = *d_;
    if (!d.prepared || d.started) return QStringLiteral("the job is not prepared");
    d.started = true;
    d.started_ns = monotonicNow();
    QObject::connect(&d.tick, &QTimer::timeout, [&d, this] {
        if (d.finished) return;
        d.recordSample();
        Q_EMIT progressed(d.snapshot());
    });
    d.tick.start(200);
    if (d.todo.empty()) {
        d.event(QStringLiteral("nothing to do: all %1 key(s) are stored").arg(d.progress.total));
        QTimer::singleShot(0, &d.tick, [&d] { d.finish(); });
        return {};
    }
    const QString exe =
        findExecutable(QStringLiteral("throttlelab-job-worker"), d.spec.worker_executable);
    if (exe.isEmpty()) {
        d.summary.error = QStringLiteral("throttlelab-job-worker is not found next to this "
                                         "program or on PATH");
        QTimer::singleShot(0, &d.tick, [&d] { d.finish(); });
        return d.summary.error;
    }
    d.worker_exe = exe;
    d.task_json =
        QString::fromUtf8(QJsonDocument(d.spec.task.toJson()).toJson(QJsonDocument::Compact));
    QObject::connect(&d.supervisor, &ProcessSupervisor::exited, &d.tick,
                     [&d](const ProcessExit& exit) { d.workerEnded(exit); });
    QObject::connect(&d.supervisor, &ProcessSupervisor::failedToStart, &d.tick,
                     [&d](ProcessId id, const QString& error) {
                         if (Impl::Worker* w = d.workerOf(id)) w->alive = false;
                         if (d.summary.error.isEmpty()) d.summary.error = error;
                         d.event(error);
                         d.stop();
                         d.finishIfNoWorker();
                     });
    QObject::connect(
        &d.supervisor, &ProcessSupervisor::standardErrorLine, &d.tick,
        [&d](ProcessId id, const QString& line) {
            const Impl::Worker* w = d.workerOf(id);
            d.event(QStringLiteral("worker %1: %2").arg(w ? w->index : -1).arg(oneLine(line)));
        });
    d.summary.throttle_name = d.spec.attach_name;
    if (d.spec.limit && d.spec.attach_name.isEmpty()) {
        ThrottleOptions o;
        o.name = d.spec.throttle_name.isEmpty() ? QStringLiteral("job-%1").arg(::getpid())
                                                : d.spec.throttle_name;
        o.config = *d.spec.limit;
        o.config.auto_emit = false; // workers emit when an item is done
        o.auto_emit = false;
        o.auto_calibrate = false;
        d.throttle = std::make_unique<Throttle>(o);
        d.summary.throttle_name = o.name;
        // The throttle starts without waiting; the workers follow once it runs.
        QObject::connect(d.throttle.get(), &Throttle::started, &d.tick, [&d] { d.startWorkers(); });
        QObject::connect(d.throttle.get(), &Throttle::startFailed, &d.tick, [&d](const QString& e) {
            d.summary.error = e;
            d.event(e);
            d.finish();
        });
        if (QString e = d.throttle->beginStart(); !e.isEmpty()) {
            d.summary.error = e;
            d.throttle.reset();
            QTimer::singleShot(0, &d.tick, [&d] { d.finish(); });
            return e;
        }
        return {};
    }
    d.startWorkers();
    return {};
}

void JobRunner::cancel() {
    if (!d_->started || d_->finished) return;
    d_->summary.cancelled = true;
    d_->event(QStringLiteral("cancelled: unfinished keys stay missing"));
    d_->stop();
}

bool JobRunner::running() const {
    return d_->started && !d_->finished;
}

JobProgress JobRunner::progress() const {
    return d_->snapshot();
}

QString JobRunner::throttleName() const {
    return d_->summary.throttle_name;
}

JobSummary JobRunner::runToEnd() {
    QEventLoop loop;
    JobSummary result;
    const QMetaObject::Connection done =
        connect(this, &JobRunner::finished, &loop, [&](const JobSummary& s) {
            result = s;
            loop.quit();
        });
    start();
    if (!d_->finished) loop.exec();
    disconnect(done);
    return result;
}

} // namespace throttlelab::jobs
