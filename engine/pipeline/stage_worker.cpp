#include "stage_worker.h"

#include "item_result.h"
#include "serve_framing.h"
#include "serve_process.h"
#include "task_runner.h"
#include "throttle_client.h"
#include "worker_process.h"

#include <QDateTime>
#include <csignal>
#include <cstdio>
#include <memory>
#include <random>
#include <unistd.h>

namespace throttlelab::pipeline {

int runStageWorker(const StageWorkerOptions& o, QString* error) {
    jobs::installWorkerSignals();
    const pid_t parent = ::getppid();

    std::unique_ptr<ThrottleClient> throttle;
    if (!o.throttle_name.isEmpty()) {
        throttle = ThrottleClient::attach(o.throttle_name, AttachAs::Worker, error);
        if (!throttle) return 1;
    }
    auto stopping = [&] {
        return jobs::workerShouldStop(parent) || (throttle && throttle->killed());
    };
    std::unique_ptr<ServeProcess> server;
    if (o.serve) {
        QString problem;
        const auto words = jobs::splitCommandLine(o.task.command_template, &problem);
        if (!words) {
            *error = problem;
            return 1;
        }
        QList<QByteArray> argv;
        for (const QString& w : *words)
            argv << w.toUtf8();
        if (o.task.shell)
            argv = {"/bin/sh", "-c", o.task.command_template.toUtf8(), "throttlelab-serve"};
        server = std::make_unique<ServeProcess>(argv);
    }
    std::mt19937_64 rng(std::random_device{}() ^ std::uint64_t(::getpid()));
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    const jobs::TaskLimits limits{o.task.timeout_s, o.task.max_output_bytes,
                                  o.task.stderr_tail_bytes};

    char* line = nullptr;
    std::size_t capacity = 0;
    ssize_t length = 0;
    int code = 0;
    while (!stopping() && (length = ::getline(&line, &capacity, stdin)) >= 0) {
        QString problem;
        const auto request = decodeRequest(QByteArray(line, length), &problem);
        if (!request) {
            *error = QStringLiteral("the coordinator sent a bad record: %1").arg(problem);
            code = 1;
            break;
        }
        jobs::ItemResult r;
        r.key = request->key;
        r.worker = o.index;
        r.pid = ::getpid();
        const Nanos wait_start = monotonicNow();
        if (throttle) {
            const WaitResult w = throttle->awaitFuel();
            if (w == WaitResult::Gone) {
                *error = QStringLiteral("the stage's throttle went away");
                code = 3;
                break;
            }
            if (w != WaitResult::Granted) break; // killed: the run is ending
        }
        if (stopping()) break;
        r.wait_s = toSeconds(monotonicNow() - wait_start);
        r.started_at = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
        const Nanos t0 = monotonicNow();
        if (o.task.kind == jobs::TaskSpec::Kind::Synthetic) {
            performWork(o.task.synthetic.sample(rng), o.task.synthetic.cpu);
            r.ok = coin(rng) >= o.task.fail_rate;
            r.exit_code = r.ok ? 0 : 1;
            // A synthetic stage passes its input on, so a demo pipeline carries data through.
            if (r.ok) r.output = request->input.left(o.task.max_output_bytes);
            if (!r.ok) r.error = QStringLiteral("synthetic failure (at the fail rate asked for)");
        } else if (server) {
            bool cancelled = false;
            const ServeResponse answer =
                server->ask(*request, o.task.timeout_s, stopping, &cancelled);
            if (cancelled) break; // the key stays missing
            r.ok = answer.ok;
            r.exit_code = answer.ok ? 0 : 1;
            r.output = answer.output.left(o.task.max_output_bytes);
            r.output_truncated = answer.output.size() > o.task.max_output_bytes;
            r.error = answer.error;
        } else {
            const jobs::TaskOutcome t = jobs::runTask(
                o.task.argv(request->key), limits, stopping,
                [](pid_t group) { jobs::writeToCoordinator(jobs::taskGroupLine(group)); },
                jobs::TaskInput{true, request->input});
            if (t.cancelled) break;
            r.exit_code = t.exit_code;
            r.signal = t.signal;
            r.timed_out = t.timed_out;
            r.output = t.output;
            r.output_truncated = t.output_truncated;
            r.error = t.started ? QString::fromUtf8(t.stderr_tail) : t.start_error;
            if (t.timed_out)
                r.error += QStringLiteral("\ntimed out after %1 s").arg(o.task.timeout_s);
            r.ok = t.started && !t.timed_out && t.signal == 0 && t.exit_code == 0;
        }
        r.duration_s = toSeconds(monotonicNow() - t0);
        if (throttle) throttle->emit();
        if (!jobs::writeToCoordinator(r.toLine())) break;
    }
    std::free(line);
    return code;
}

} // namespace throttlelab::pipeline
