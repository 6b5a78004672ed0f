// The monitor process: drains the emission ring every rf_rate seconds, turns emissions into
// statistics and publishes them (and a history point) for every process to read. It also
// frees the slots of workers that died, and appends the permit log when asked.
#include "emission_ring.h"
#include "helper_process.h"
#include "pacer.h"
#include "process_identity.h"
#include "stats_channel.h"
#include "throttle_client.h"

#include <QFile>
#include <QTextStream>
#include <cstdio>
#include <ctime>

namespace throttlelab {
namespace {

void reapDeadWorkers(shm::Segment& s) {
    for (shm::WorkerSlot& w : s.workers) {
        const std::int64_t pid = w.pid.load(std::memory_order_acquire);
        if (pid <= 0) continue;
        if (ProcessIdentity{pid_t(pid), w.start_ticks.load()}.isAlive()) continue;
        if (releaseWorkerSlot(s, std::size_t(&w - s.workers), pid)) {
            s.helpers.reclaimed_worker_slots.fetch_add(1);
            s.helpers.last_reclaimed_pid.store(pid);
        }
    }
}

void sleepFor(Nanos ns) {
    timespec ts{time_t(ns / kNanosPerSecond), long(ns % kNanosPerSecond)};
    clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, nullptr);
}

} // namespace

int runMonitorProcess(const QString& name, const QString& log_path) {
    QString error;
    auto client = ThrottleClient::attach(name, false, &error);
    if (!client) {
        std::fprintf(stderr, "monitor process: %s\n", qPrintable(error));
        return 1;
    }
    shm::Segment& s = client->data();
    QFile log(log_path);
    QTextStream log_out;
    if (!log_path.isEmpty()) {
        const bool fresh = !log.exists() || log.size() == 0;
        if (!log.open(QIODevice::Append | QIODevice::Text)) {
            std::fprintf(stderr, "monitor process: cannot write the log %s: %s\n",
                         qPrintable(log_path), qPrintable(log.errorString()));
            return 1;
        }
        log_out.setDevice(&log);
        if (fresh) log_out << "worker,grant_s,emit_s\n";
    }

    StatisticsAccumulator acc;
    acc.seed(readStats(s.stats));
    acc.beginRun();
    acc.setKeepFinalized(!log_path.isEmpty());
    s.helpers.monitor_pid.store(getpid());
    s.helpers.monitor_heartbeat_ns.store(monotonicNow(), std::memory_order_release);

    std::vector<Emission> batch;
    batch.reserve(shm::kEmissionRingSize);
    Nanos stuck_since = 0;
    Nanos next_housekeeping = 0;
    for (;;) {
        const bool last_round = s.control.kill.load(std::memory_order_acquire) != 0;
        const ThrottleConfig c = client->config();
        const Nanos per_ns = fromSeconds(c.per);
        Nanos now = monotonicNow();
        // The last round describes the run as it was when the kill flag stopped the work.
        if (last_round && s.control.kill_ns.load() > 0)
            now = std::min(now, s.control.kill_ns.load());
        batch.clear();
        drainEmissions(s.emissions, batch, monotonicNow(), 200 * kNanosPerMilli, &stuck_since);
        for (const Emission& e : batch)
            acc.receive(e);
        // Emissions from several processes arrive slightly out of time order: let them settle.
        const Nanos lag = last_round
                              ? -10 * kNanosPerSecond
                              : std::max<Nanos>(20 * kNanosPerMilli, 2 * fromSeconds(c.rf_rate));
        acc.advance(now, lag, per_ns);
        if (log_out.device()) {
            for (const Emission& e : acc.takeFinalized()) {
                const qint64 pid = e.worker < shm::kMaxWorkers ? s.workers[e.worker].pid.load() : 0;
                log_out << pid << ',' << QString::number(toSeconds(e.grant_ns), 'f', 9) << ','
                        << QString::number(toSeconds(e.emit_ns), 'f', 9) << '\n';
            }
            log_out.flush();
        }
        acc.setOverflow(s.emissions.overflow.load(std::memory_order_relaxed));
        Nanos runtime = s.control.accumulated_runtime_ns.load();
        if (s.control.run_state.load() == std::uint32_t(shm::RunState::Running))
            runtime += now - s.control.run_started_ns.load();
        const StatsSnapshot snap = acc.snapshot(now, per_ns, runtime, c.targetRate());
        publishStats(s.stats, snap);
        const PacingParams params = PacingParams::from(c, s.config.as_throttle.load() != 0);
        appendHistory(s.history,
                      {now, snap.latest.rate, snap.mean.rate, snap.hi_lo_window.rate,
                       snap.lo_hi_window.rate, c.targetRate(),
                       availablePermits(s.pacing, params, client->segment().relative(now)),
                       snap.total});
        if (last_round) break;
        if (now >= next_housekeeping) {
            if (!client->ownerAlive()) break;
            reapDeadWorkers(s);
            s.helpers.monitor_heartbeat_ns.store(now, std::memory_order_release);
            s.helpers.monitor_cpu_ns.store(selfCpuTime(), std::memory_order_relaxed);
            next_housekeeping = now + 100 * kNanosPerMilli;
        }
        // Sleeps in slices so the kill flag is seen within 50 ms whatever rf_rate is.
        const Nanos until = now + fromSeconds(c.rf_rate);
        while (!s.control.kill.load(std::memory_order_acquire)) {
            const Nanos left = until - monotonicNow();
            if (left <= 0) break;
            sleepFor(std::min<Nanos>(left, 50 * kNanosPerMilli));
        }
        // Nothing arrived: rather than waking every rf_rate to recompute the same figures, it
        // parks until the figures change by themselves (an emission leaves the latest window,
        // one is due to be placed), the next emission, a live change, or housekeeping.
        if (!s.control.kill.load(std::memory_order_acquire)) {
            const Nanos change = acc.nextChange(per_ns, lag);
            Nanos park_until = next_housekeeping;
            if (change >= 0) park_until = std::min(park_until, change);
            if (park_until > monotonicNow()) parkMonitorIfEmpty(s.emissions, park_until);
        }
    }
    s.helpers.monitor_cpu_ns.store(selfCpuTime(), std::memory_order_relaxed);
    return 0;
}

} // namespace throttlelab
