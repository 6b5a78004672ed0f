#include "pipeline_runner.h"

#include "clock.h"
#include "executable_lookup.h"
#include "item_result.h"
#include "job_items.h"
#include "job_key.h"
#include "one_line.h"
#include "pipeline_stash.h"
#include "process_supervisor.h"
#include "serve_framing.h"
#include "stage_flow.h"
#include "throttle.h"
#include "throttle_client.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTimer>
#include <csignal>
#include <deque>
#include <optional>
#include <unistd.h>

namespace throttlelab::pipeline {

int PipelineSummary::exitCode() const {
    return error.isEmpty() && !cancelled && missing == 0 && progress.failed == 0 ? 0 : 1;
}

namespace {

struct Item {
    QByteArray key;
    QByteArray input; // the previous stage's output (nothing for the first stage)
};

} // namespace

struct PipelineRunner::Impl {
    struct Worker {
        int stage = 0, index = 0;
        ProcessId id = 0;
        QProcess* process = nullptr; // the supervisor's; a replacement is another
        bool alive = false;
        qint64 pid = 0;
        std::optional<Item> item; // the one it works on
        pid_t task_group = 0;     // its command's process group, while one runs
    };
    struct Stage {
        StageSpec spec;
        std::deque<Item> queue;   // bounded by spec.queue
        std::deque<Item> backlog; // keys that start here: not a queue, it is the source
        std::vector<Worker*> workers;
        std::unique_ptr<Throttle> throttle; // a limit of its own
        QString throttle_name;              // where its workers take permits, empty: none
        StageProgress p;
        std::deque<std::pair<Nanos, long long>> samples;
        int busy() const {
            int n = 0;
            for (const Worker* w : workers)
                n += w->item ? 1 : 0;
            return n;
        }
        int alive() const {
            int n = 0;
            for (const Worker* w : workers)
                n += w->alive ? 1 : 0;
            return n;
        }
    };

    PipelineRunner* owner = nullptr;
    PipelineSpec spec;
    PipelineRunOptions options;
    std::unique_ptr<PipelineStash> stash;
    std::vector<Stage> stages;
    std::vector<std::unique_ptr<Worker>> workers;
    ProcessSupervisor supervisor;
    QTimer tick;
    QString worker_exe;
    PipelineProgress totals;
    PipelineSummary summary;
    Nanos started_ns = 0;
    bool prepared = false, started = false, stopping = false, finishing = false, finished = false;

    void event(const QString& text) { Q_EMIT owner->logged(text); }

    RestartBudget budgetFor(const Stage& s) const { return {std::max(4, 2 * s.spec.workers), {}}; }

    Worker* workerOf(ProcessId id) {
        for (auto& w : workers)
            if (w->id == id) return w.get();
        return nullptr;
    }

    std::vector<StageLoad> loads() const {
        std::vector<StageLoad> out;
        for (std::size_t i = 0; i < stages.size(); ++i) {
            const Stage& s = stages[i];
            out.push_back({s.alive(), s.busy(), int(s.queue.size()), s.spec.queue,
                           i + 1 == stages.size(), s.p.done});
        }
        return out;
    }

    void noteDepth(Stage& s) { s.p.max_queued = std::max(s.p.max_queued, int(s.queue.size())); }

    // Keys that start at a stage enter its queue as room allows: room also kept for what the
    // stage before has in flight (each of those lands here).
    bool refill() {
        bool moved = false;
        for (std::size_t i = 0; i < stages.size(); ++i) {
            Stage& s = stages[i];
            const int incoming = i > 0 ? stages[i - 1].busy() : 0;
            while (!s.backlog.empty() && int(s.queue.size()) + incoming < s.spec.queue) {
                s.queue.push_back(std::move(s.backlog.front()));
                s.backlog.pop_front();
                noteDepth(s);
                moved = true;
            }
        }
        return moved;
    }

    bool dispatch() {
        bool sent = false;
        // From the last stage back: what it takes makes room for the stage before.
        for (int i = int(stages.size()) - 1; i >= 0; --i) {
            Stage& s = stages[std::size_t(i)];
            int n = startable(loads(), i);
            for (Worker* w : s.workers) {
                if (n <= 0 || s.queue.empty()) break;
                if (!w->alive || w->item) continue;
                w->item = std::move(s.queue.front());
                s.queue.pop_front();
                w->process->write(encodeRequest({w->item->key, w->item->input}));
                --n;
                sent = true;
            }
        }
        return sent;
    }

    void pump() {
        if (stopping || finished) return;
        for (int round = 0; round < 64; ++round)
            if (!(refill() | dispatch())) break;
        bool idle = true;
        for (const Stage& s : stages)
            idle = idle && s.queue.empty() && s.backlog.empty() && s.busy() == 0;
        if (idle) endWorkers(); // all through: the workers finish and exit
    }

    bool ending = false; // every worker was told to finish: all keys are through
    void endWorkers() {
        if (ending) return;
        ending = true;
        for (auto& w : workers)
            if (w->alive)
                supervisor.end(w->id, std::chrono::seconds(5),
                               ProcessSupervisor::EndFirst::CloseInput);
        finishIfNoWorker();
    }

    void spawnWorker(int stage_index, int index) {
        Stage& s = stages[std::size_t(stage_index)];
        auto w = std::make_unique<Worker>();
        w->stage = stage_index;
        w->index = index;
        jobs::TaskSpec task = s.spec.task;
        QStringList args{
            QStringLiteral("--task-json"),
            QString::fromUtf8(QJsonDocument(task.toJson()).toJson(QJsonDocument::Compact)),
            QStringLiteral("--index"), QString::number(index)};
        if (s.spec.serve) args << QStringLiteral("--serve");
        if (!s.throttle_name.isEmpty()) args << QStringLiteral("--throttle") << s.throttle_name;
        ProcessSpec ps = ProcessSpec::of(QStringLiteral("%1 worker %2").arg(s.spec.name).arg(index),
                                         worker_exe, args);
        ps.owner_talks = true;
        ps.capture_stderr = true;
        ps.budget = budgetFor(s);
        Worker* raw = w.get();
        workers.push_back(std::move(w));
        s.workers.push_back(raw);
        raw->id = supervisor.launch(ps);
        attach(*raw);
    }

    void attach(Worker& w) {
        w.process = supervisor.process(w.id);
        w.alive = supervisor.isRunning(w.id);
        w.pid = supervisor.pid(w.id);
        w.item.reset();
        w.task_group = 0;
        if (!w.alive) return;
        Worker* raw = &w;
        QObject::connect(w.process, &QProcess::readyReadStandardOutput, &tick,
                         [this, raw] { readResults(*raw); });
    }

    void readResults(Worker& w) {
        while (w.process && w.process->canReadLine()) {
            const QByteArray line = w.process->readLine();
            if (line.startsWith("{\"task_group\":")) {
                w.task_group =
                    pid_t(QJsonDocument::fromJson(line).object().value("task_group").toInt());
                continue;
            }
            QString error;
            auto r = jobs::ItemResult::fromLine(line, &error);
            if (!r || !w.item || r->key != w.item->key) {
                event(QStringLiteral(
                          "%1 worker %2 sent a line that is not the result of its item: %3")
                          .arg(stages[std::size_t(w.stage)].spec.name)
                          .arg(w.index)
                          .arg(oneLine(QString::fromUtf8(line.left(200)))));
                continue;
            }
            w.task_group = 0;
            w.item.reset();
            record(w.stage, *r);
            if (finished) return;
        }
        pump();
    }

    void record(int i, jobs::ItemResult r) {
        Stage& s = stages[std::size_t(i)];
        const bool last = std::size_t(i) + 1 == stages.size();
        if (r.ok && r.output_truncated && !last) {
            // The next stage would get a cut input and could not tell.
            r.ok = false;
            r.error = QStringLiteral("its output was longer than the stage's max_output (%1 "
                                     "bytes), so the next stage cannot have it whole")
                          .arg(s.spec.task.max_output_bytes);
        }
        if (QString e = stash->stage(i).put(r); !e.isEmpty()) {
            // A result that cannot be kept must not be passed on: the run ends here.
            summary.error = e;
            event(e);
            stop();
            return;
        }
        if (r.ok) {
            ++s.p.done;
            if (last) {
                ++totals.completed;
            } else {
                Stage& next = stages[std::size_t(i) + 1];
                next.queue.push_back({r.key, r.output}); // room was kept for it (startable)
                noteDepth(next);
            }
            return;
        }
        ++s.p.failed;
        ++totals.failed;
        Q_EMIT owner->itemFailed(s.spec.name, r.key, r.describeFailure());
        event(
            QStringLiteral("failed in %1: %2 (%3)")
                .arg(s.spec.name, oneLine(jobs::displayKey(r.key)), oneLine(r.describeFailure())));
        if (options.stop_if_error && !stopping) {
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
        if (w.task_group > 0) ::kill(-w.task_group, SIGKILL);
        w.task_group = 0;
        Stage& s = stages[std::size_t(w.stage)];
        if (w.item && !stopping) {
            // Never stored, so redone: by another worker or this one's replacement.
            s.backlog.push_front(std::move(*w.item));
            ++summary.redone;
            event(QStringLiteral("%1 worker %2 (pid %3) %4 while on %5; it is redone")
                      .arg(s.spec.name)
                      .arg(w.index)
                      .arg(w.pid)
                      .arg(exit.describe(), oneLine(jobs::displayKey(s.backlog.front().key))));
        }
        w.item.reset();
        bool work_left = !s.queue.empty() || !s.backlog.empty();
        for (std::size_t i = 0; i < std::size_t(w.stage); ++i)
            work_left = work_left || !stages[i].queue.empty() || !stages[i].backlog.empty() ||
                        stages[i].busy() > 0;
        if (!stopping && !exit.asked && work_left) {
            if (supervisor.restart(w.id, QStringLiteral("it died"))) {
                attach(w);
                event(QStringLiteral("%1 worker %2 replaced (pid %3)")
                          .arg(s.spec.name)
                          .arg(w.index)
                          .arg(w.pid));
            } else if (s.alive() == 0) {
                summary.error = QStringLiteral("stage %1 has no worker left: its workers died %2 "
                                               "times")
                                    .arg(s.spec.name)
                                    .arg(budgetFor(s).restarts + 1);
                event(summary.error);
                stop();
            }
        }
        pump();
        finishIfNoWorker();
    }

    void finishIfNoWorker() {
        for (const auto& w : workers)
            if (w->alive) return;
        QTimer::singleShot(0, &tick, [this] { finish(); });
    }

    void stop() {
        if (stopping) return;
        stopping = true;
        for (Stage& s : stages)
            if (s.throttle) s.throttle->setKillFlag();
        for (auto& w : workers)
            if (w->alive)
                supervisor.end(w->id, std::chrono::seconds(3),
                               ProcessSupervisor::EndFirst::Terminate);
        finishIfNoWorker();
    }

    PipelineProgress snapshot() const {
        PipelineProgress p = totals;
        p.stages.clear();
        const Nanos now = monotonicNow();
        p.elapsed_s = started_ns > 0 ? toSeconds(now - started_ns) : 0;
        for (const Stage& s : stages) {
            StageProgress sp = s.p;
            sp.workers_alive = s.alive();
            sp.in_flight = s.busy();
            sp.queued = int(s.queue.size());
            sp.backlog = qint64(s.backlog.size());
            sp.throttle = s.throttle_name;
            sp.own_limit = s.throttle != nullptr;
            if (s.throttle && s.throttle->attached())
                sp.limit_rate = s.throttle->config().targetRate();
            if (!s.samples.empty() && now - s.samples.front().first > 200 * kNanosPerMilli)
                sp.rate = double(s.p.done + s.p.failed - s.samples.front().second) /
                          toSeconds(now - s.samples.front().first);
            p.stages.push_back(sp);
        }
        p.bottleneck = bottleneck(loads());
        return p;
    }

    void sample() {
        const Nanos now = monotonicNow();
        for (Stage& s : stages) {
            s.samples.emplace_back(now, s.p.done + s.p.failed);
            while (s.samples.size() > 2 && now - s.samples.front().first > 3 * kNanosPerSecond)
                s.samples.pop_front();
        }
    }

    void finish() {
        if (finished || finishing) return;
        for (const auto& w : workers)
            if (w->alive) return;
        finishing = true;
        tick.stop();
        summary.progress = snapshot(); // as it ended, before the throttles go
        // The stages' throttles end without waiting; the run is over once they have.
        int running = 0;
        for (Stage& s : stages)
            if (s.throttle && s.throttle->state() != Throttle::State::Stopped) ++running;
        throttles_stopping = running;
        if (running == 0) {
            finalize();
            return;
        }
        for (Stage& s : stages)
            if (s.throttle && s.throttle->state() != Throttle::State::Stopped) {
                QObject::connect(s.throttle.get(), &Throttle::stopped, &tick, [this] {
                    if (--throttles_stopping == 0)
                        QTimer::singleShot(0, &tick, [this] { finalize(); });
                });
                s.throttle->beginStop();
            }
    }

    int throttles_stopping = 0;

    void finalize() {
        if (finished) return;
        summary.seconds = summary.progress.elapsed_s;
        summary.missing = totals.keys - totals.completed - totals.failed;
        if (stopping && summary.error.isEmpty() && !summary.stopped_on_error)
            summary.cancelled = true;
        finished = true;
        for (Stage& s : stages)
            s.throttle.reset();
        stash.reset();
        Q_EMIT owner->finished(summary);
    }

    int throttles_starting = 0;

    void startWorkers() {
        if (stopping || finished) return;
        for (std::size_t i = 0; i < stages.size(); ++i)
            for (int k = 0; k < stages[i].spec.workers; ++k)
                spawnWorker(int(i), k);
        event(
            QStringLiteral("started %1 stage(s) on %2 key(s)").arg(stages.size()).arg(totals.keys));
        pump();
    }

    void failToStart(const QString& stage, const QString& error) {
        if (!summary.error.isEmpty()) return;
        summary.error = QStringLiteral("stage %1's throttle did not start: %2").arg(stage, error);
        event(summary.error);
        stopping = true;
        QTimer::singleShot(0, &tick, [this] { finish(); });
    }

    PipelineRefusal plan() {
        QString error;
        const auto items = jobs::loadItems(spec.items, &error);
        if (!items) return {QStringLiteral("items: %1").arg(error), true};
        totals.keys = qint64(items->keys.size());
        for (std::size_t i = 0; i < stages.size(); ++i)
            if (QString e = stash->stage(int(i)).setItems(items->keys); !e.isEmpty())
                return {e, false};
        std::vector<QHash<QByteArray, jobs::Stash::Stored>> stored;
        for (std::size_t i = 0; i < stages.size(); ++i)
            stored.push_back(stash->stage(int(i)).stored());
        // Where each key starts: its first stage without a result (or with a failure being
        // reprocessed); its input is the stored output of the stage before.
        std::vector<std::vector<QByteArray>> starts(stages.size());
        for (const QByteArray& key : items->keys) {
            std::size_t i = 0;
            bool ended = false;
            for (; i < stages.size(); ++i) {
                auto it = stored[i].constFind(key);
                if (it == stored[i].cend()) break;
                if (it->ok) {
                    ++stages[i].p.already_stored;
                    continue;
                }
                if (options.reprocess_failures) break;
                ++totals.failed; // failed here before: it goes no further
                ended = true;
                break;
            }
            if (ended) continue;
            if (i == stages.size()) {
                ++totals.completed;
                continue;
            }
            starts[i].push_back(key);
        }
        for (std::size_t i = 0; i < stages.size(); ++i) {
            if (starts[i].empty()) continue;
            QHash<QByteArray, QByteArray> inputs;
            if (i > 0) {
                const QSet<QByteArray> wanted(starts[i].begin(), starts[i].end());
                stash->stage(int(i) - 1).forEachResult([&](const jobs::ItemResult& r) {
                    if (r.ok && wanted.contains(r.key)) inputs.insert(r.key, r.output);
                });
            }
            for (const QByteArray& key : starts[i])
                stages[i].backlog.push_back({key, inputs.value(key)});
        }
        return {};
    }
};

PipelineRunner::PipelineRunner(QObject* parent)
    : QObject(parent)
    , d_(std::make_unique<Impl>()) {
    d_->owner = this;
    qRegisterMetaType<PipelineProgress>();
    qRegisterMetaType<PipelineSummary>();
}

PipelineRunner::~PipelineRunner() {
    Impl& d = *d_;
    if (d.started && !d.finished) {
        d.stopping = true;
        d.supervisor.blockSignals(true);
        for (auto& w : d.workers)
            if (w->alive) {
                d.supervisor.kill(w->id);
                if (w->task_group > 0) ::kill(-w->task_group, SIGKILL);
                w->alive = false;
            }
        d.supervisor.waitForAllExited(std::chrono::seconds(2));
        for (auto& s : d.stages)
            if (s.throttle) s.throttle->stop();
    }
}

PipelineRefusal PipelineRunner::prepare(const PipelineSpec& spec,
                                        const PipelineRunOptions& options) {
    Impl& d = *d_;
    d.spec = spec;
    d.options = options;
    for (const StageSpec& s : spec.stages) {
        Impl::Stage stage;
        stage.spec = s;
        stage.p.name = s.name;
        stage.p.workers = s.workers;
        stage.p.capacity = s.queue;
        if (s.limit && s.limit->own) stage.p.limit_rate = s.limit->own->targetRate();
        if (s.limit && !s.limit->attach.isEmpty()) {
            QString error;
            auto observer = ThrottleClient::attach(s.limit->attach, AttachAs::Observer, &error);
            if (!observer) return {QStringLiteral("stage %1's limit: %2").arg(s.name, error), true};
            stage.p.limit_rate = observer->config().targetRate();
            stage.throttle_name = s.limit->attach;
        }
        d.stages.push_back(std::move(stage));
    }
    d.worker_exe =
        findExecutable(QStringLiteral("throttlelab-stage-worker"), options.worker_executable);
    if (d.worker_exe.isEmpty())
        return {QStringLiteral("throttlelab-stage-worker is not found next to this program or on "
                               "PATH"),
                false};
    StashRefusal refusal;
    int restarted_from = -1;
    d.stash = PipelineStash::open(options.stash_path, spec, options.stash_format, options.force,
                                  &refusal, &restarted_from);
    if (!d.stash) return {QStringLiteral("stash: %1").arg(refusal.message), refusal.bad_input};
    if (restarted_from >= 0)
        d.event(QStringLiteral("the pipeline changed (--force): stages from %1 '%2' on start over")
                    .arg(restarted_from + 1)
                    .arg(restarted_from < int(spec.stages.size())
                             ? spec.stages[std::size_t(restarted_from)].name
                             : QString()));
    if (PipelineRefusal r = d.plan()) return r;
    d.prepared = true;
    return {};
}

QString PipelineRunner::start() {
    Impl& d = *d_;
    if (!d.prepared || d.started) return QStringLiteral("the pipeline is not prepared");
    d.started = true;
    d.started_ns = monotonicNow();
    QObject::connect(&d.supervisor, &ProcessSupervisor::exited, &d.tick,
                     [&d](const ProcessExit& exit) { d.workerEnded(exit); });
    QObject::connect(&d.supervisor, &ProcessSupervisor::failedToStart, &d.tick,
                     [&d](ProcessId id, const QString& error) {
                         if (Impl::Worker* w = d.workerOf(id)) w->alive = false;
                         if (d.summary.error.isEmpty()) d.summary.error = error;
                         d.event(error);
                         d.stop();
                     });
    QObject::connect(&d.supervisor, &ProcessSupervisor::standardErrorLine, &d.tick,
                     [&d](ProcessId id, const QString& line) {
                         const Impl::Worker* w = d.workerOf(id);
                         d.event(QStringLiteral("%1 worker %2: %3")
                                     .arg(w ? d.stages[std::size_t(w->stage)].spec.name : QString())
                                     .arg(w ? w->index : -1)
                                     .arg(oneLine(line)));
                     });
    QObject::connect(&d.tick, &QTimer::timeout, this, [&d, this] {
        if (d.finished) return;
        d.sample();
        Q_EMIT progressed(d.snapshot());
    });
    d.tick.start(200);
    bool anything = false;
    for (const auto& s : d.stages)
        anything = anything || !s.backlog.empty();
    if (!anything) {
        d.event(QStringLiteral("nothing to do: every key is through every stage or failed"));
        QTimer::singleShot(0, &d.tick, [&d] { d.finish(); });
        return {};
    }
    static int runs = 0;
    ++runs;
    // The stages' own throttles start without waiting (the window never blocks); the workers
    // start once every one of them is ready.
    for (std::size_t i = 0; i < d.stages.size(); ++i) {
        Impl::Stage& s = d.stages[i];
        if (!s.spec.limit || !s.spec.limit->own) continue;
        ThrottleOptions o;
        o.name = QStringLiteral("pipeline-%1-%2-%3").arg(::getpid()).arg(runs).arg(i + 1);
        o.config = *s.spec.limit->own;
        o.config.auto_emit = false; // a worker emits when its item is done
        o.auto_emit = false;
        o.auto_calibrate = false;
        o.log_path = s.spec.limit->log_path;
        s.throttle = std::make_unique<Throttle>(o);
        s.throttle_name = o.name;
        const QString name = s.spec.name;
        QObject::connect(s.throttle.get(), &Throttle::started, &d.tick, [&d] {
            if (--d.throttles_starting == 0) d.startWorkers();
        });
        QObject::connect(s.throttle.get(), &Throttle::startFailed, &d.tick,
                         [&d, name](const QString& e) { d.failToStart(name, e); });
        ++d.throttles_starting;
    }
    for (auto& s : d.stages)
        if (s.throttle)
            if (QString e = s.throttle->beginStart(); !e.isEmpty()) {
                d.failToStart(s.spec.name, e);
                return d.summary.error;
            }
    if (d.throttles_starting == 0) d.startWorkers();
    return {};
}

void PipelineRunner::cancel() {
    d_->stop();
}

PipelineProgress PipelineRunner::progress() const {
    return d_->snapshot();
}

PipelineSummary PipelineRunner::runToEnd() {
    QEventLoop loop;
    PipelineSummary result;
    const QMetaObject::Connection done =
        connect(this, &PipelineRunner::finished, &loop, [&](const PipelineSummary& s) {
            result = s;
            loop.quit();
        });
    if (QString e = start(); !e.isEmpty() && !d_->finished) result.error = e;
    if (!d_->finished)
        loop.exec();
    else
        result = d_->summary;
    disconnect(done);
    return result;
}

} // namespace throttlelab::pipeline
