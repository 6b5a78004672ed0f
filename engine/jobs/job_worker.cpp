#include "job_worker.h"

#include "item_result.h"
#include "task_runner.h"
#include "throttle_client.h"
#include "worker_process.h"

#include <QDateTime>
#include <csignal>
#include <cstdio>
#include <random>
#include <thread>
#include <unistd.h>

namespace throttlelab::jobs {
namespace {

double unixNow() {
    return double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
}

} // namespace

int runJobWorker(const JobWorkerOptions& o, QString* error) {
    installWorkerSignals();
    const pid_t parent = ::getppid();

    std::unique_ptr<ThrottleClient> throttle;
    if (!o.throttle_name.isEmpty()) {
        throttle = ThrottleClient::attach(o.throttle_name, AttachAs::Worker, error);
        if (!throttle) return 1;
    }
    auto stopping = [&] {
        if (workerShouldStop(parent)) return true;
        return throttle && throttle->killed() && !o.hold_while_stopped;
    };
    // Held at a stopped throttle: sleeps until it runs again, or until this worker must end.
    auto heldUntilRunning = [&] {
        while (throttle->killed()) {
            if (workerShouldStop(parent) || !throttle->ownerAlive()) return false;
            // No futex word announces a cleared flag; a restart within 50 ms is soon enough.
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return true;
    };
    std::mt19937_64 rng(std::random_device{}() ^ std::uint64_t(::getpid()));
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    const TaskLimits limits{o.task.timeout_s, o.task.max_output_bytes, o.task.stderr_tail_bytes};

    char* line = nullptr;
    std::size_t capacity = 0;
    ssize_t length = 0;
    int code = 0;
    while (!stopping() && (length = ::getline(&line, &capacity, stdin)) >= 0) {
        // The coordinator sends each key's bytes as they are, one per line.
        QByteArray key(line, length);
        if (key.endsWith('\n')) key.chop(1);
        if (key.isEmpty()) continue;
        ItemResult r;
        r.key = key;
        r.worker = o.index;
        r.pid = ::getpid();
        const Nanos wait_start = monotonicNow();
        if (throttle) {
            WaitResult w = throttle->awaitFuel();
            while (w == WaitResult::Killed && o.hold_while_stopped && heldUntilRunning())
                w = throttle->awaitFuel();
            if (w == WaitResult::Gone) {
                *error = QStringLiteral("the job's throttle went away");
                code = 3;
                break;
            }
            if (w != WaitResult::Granted) break; // killed: the run is ending
        }
        if (stopping()) break;
        r.wait_s = toSeconds(monotonicNow() - wait_start);
        r.started_at = unixNow();
        if (o.task.kind == TaskSpec::Kind::Synthetic) {
            const Nanos t0 = monotonicNow();
            performWork(o.task.synthetic.sample(rng), o.task.synthetic.cpu);
            r.duration_s = toSeconds(monotonicNow() - t0);
            r.ok = coin(rng) >= o.task.fail_rate;
            r.exit_code = r.ok ? 0 : 1;
            if (!r.ok) r.error = QStringLiteral("synthetic failure (at the fail rate asked for)");
        } else {
            const TaskOutcome t = runTask(o.task.argv(key), limits, stopping, [](pid_t group) {
                writeToCoordinator(taskGroupLine(group));
            });
            if (t.cancelled) break; // the key stays missing
            r.duration_s = toSeconds(t.duration_ns);
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
        if (throttle) throttle->emit();
        if (!writeToCoordinator(r.toLine())) break;
    }
    std::free(line);
    return code;
}

} // namespace throttlelab::jobs
