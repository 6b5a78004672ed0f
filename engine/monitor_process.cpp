// The monitor process: drains the emission ring every rf_rate seconds, turns emissions into
// statistics and publishes them (and a history point) for every process to read. It also
// frees the slots of workers that died, and appends the permit log when asked.
#include "csv_writer.h"
#include "emission_ring.h"
#include "helper_process.h"
#include "pacer.h"
#include "process_identity.h"
#include "run_time.h"
#include "segment_access.h"
#include "stats_channel.h"
#include "throttle_client.h"

#include "fault_injection.h"

#include <QFile>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
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

constexpr Nanos kIdlePark = 400 * kNanosPerMilli;

// The permit log is appended in pieces of whole rows of about this size (see below).
constexpr qsizetype kLogPieceBytes = 16384;

void sleepFor(Nanos ns) {
    timespec ts{time_t(ns / kNanosPerSecond), long(ns % kNanosPerSecond)};
    clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, nullptr);
}

} // namespace

int runMonitorProcess(const QString& name, const QString& log_path, MonitorStart how) {
    // Ctrl-C reaches the whole process group: the monitor ends through the kill flag the
    // owner sets, after its last round, so the log and the totals are complete.
    std::signal(SIGINT, SIG_IGN);
    QString error;
    auto client = ThrottleClient::attach(name, AttachAs::Observer, &error);
    if (!client) {
        std::fprintf(stderr, "monitor process: %s\n", qPrintable(error));
        return 1;
    }
    shm::Segment& s = segmentOf(*client);
    // Where the previous monitor of this run (killed, stalled and replaced) left off: every
    // emission below the cursor is in its published figures, the log held log_bytes then.
    const StatsSnapshot previous = readStats(s.stats);
    std::uint64_t cursor = std::max(previous.ring_cursor, s.emissions.tail.load());
    std::uint64_t abandoned = previous.abandoned;
    QFile log(log_path);
    // A log that failed once (a full disk) stays closed: a later row after a gap would lie.
    if (!log_path.isEmpty() && s.helpers.log_errno.load() == 0) {
        // Rows written after the last publication are written again below: cut them off.
        if (how == MonitorStart::Replacement && previous.log_bytes > 0 && log.exists() &&
            log.size() > previous.log_bytes)
            log.resize(previous.log_bytes);
        const bool fresh = !log.exists() || log.size() == 0;
        if (!log.open(QIODevice::Append)) {
            std::fprintf(stderr, "monitor process: cannot write the log %s: %s\n",
                         qPrintable(log_path), qPrintable(log.errorString()));
            return 1;
        }
        errno = 0;
        QByteArray header;
        CsvWriter(&header).row(
            {QStringLiteral("worker"), QStringLiteral("grant_s"), QStringLiteral("emit_s")});
        if ((fresh && log.write(header) != header.size()) || !log.flush()) {
            const int cause = errno ? errno : EIO;
            std::fprintf(stderr, "monitor process: cannot write the log %s: %s\n",
                         qPrintable(log_path), std::strerror(cause));
            log.close();
            s.helpers.log_errno.store(std::uint32_t(cause));
        }
    }
    std::int64_t log_bytes = log.isOpen() ? log.size() : previous.log_bytes;

    StatisticsAccumulator acc;
    acc.seed(previous);
    acc.beginRun();
    acc.setKeepFinalized(!log_path.isEmpty());
    s.helpers.monitor_pid.store(getpid());
    s.helpers.monitor_heartbeat_ns.store(monotonicNow(), std::memory_order_release);
    announceReady();

    std::vector<Emission> batch;
    batch.reserve(shm::kEmissionRingSize);
    QByteArray rows;
    Nanos stuck_since = 0;
    Nanos next_housekeeping = 0;
    auto heartbeat = [&](Nanos now) {
        s.helpers.monitor_heartbeat_ns.store(now, std::memory_order_release);
    };
    for (;;) {
        const bool last_round = s.control.kill.load(std::memory_order_acquire) != 0;
        const ThrottleConfig c = client->config();
        const Nanos per_ns = fromSeconds(c.per);
        Nanos now = monotonicNow();
        // The last round describes the run as it was when the kill flag stopped the work.
        if (last_round && s.control.kill_ns.load() > 0)
            now = std::min(now, s.control.kill_ns.load());
        // Emissions from several processes arrive slightly out of time order: they wait in
        // the ring for `lag`, then are taken and placed in time order.
        const Nanos lag = last_round
                              ? -10 * kNanosPerSecond
                              : std::max<Nanos>(20 * kNanosPerMilli, 2 * fromSeconds(c.rf_rate));
        batch.clear();
        takeEmissions(s.emissions, cursor, now - lag, batch,
                      {monotonicNow(), 200 * kNanosPerMilli, &stuck_since}, abandoned);
        for (const Emission& e : batch)
            acc.receive(e);
        acc.advance(now, lag, per_ns);
        const ResidentCount resident = countResident(s.emissions, cursor, now - per_ns);
        acc.setResident(resident.total, resident.recent);
        if (log.isOpen()) {
            rows.clear();
            CsvWriter csv(&rows);
            for (const Emission& e : acc.takeFinalized()) {
                csv.field(qint64(e.pid))
                    .field(toSeconds(e.grant_ns), 'f', 9)
                    .field(toSeconds(e.emit_ns), 'f', 9);
                csv.endRow();
            }
            // Written in pieces of whole rows, so a disk that fills keeps every piece that fit,
            // not only what was there before this round.
            std::int64_t whole = log.size();
            bool failed = false;
            errno = 0;
            for (qsizetype at = 0; at < rows.size() && !failed;) {
                qsizetype end = std::min(rows.size(), at + kLogPieceBytes);
                if (end < rows.size()) end = rows.lastIndexOf('\n', end - 1) + 1;
                if (end <= at) end = rows.indexOf('\n', at) + 1; // a row longer than a piece
                const qsizetype n = end - at;
                failed = log.write(rows.constData() + at, n) != n || !log.flush();
                if (!failed) whole += n;
                at = end;
            }
            if (failed) {
                // Keep every whole row written so far and nothing half written; the figures
                // go on without the log, and the owner reports the failure.
                const int cause = errno ? errno : EIO;
                std::fprintf(stderr, "monitor process: cannot write the log %s: %s\n",
                             qPrintable(log_path), std::strerror(cause));
                log.close();
                QFile::resize(log_path, whole);
                s.helpers.log_errno.store(std::uint32_t(cause));
                log_bytes = whole;
            } else {
                log_bytes = log.size();
            }
            faultPoint(FaultPoint::MonitorLogWritten);
        }
        acc.setOverflow(s.emissions.overflow.load(std::memory_order_relaxed) + abandoned);
        const Nanos runtime = runtimeAt(s.control, now);
        StatsSnapshot snap = acc.snapshot(now, per_ns, runtime, c.targetRate());
        snap.ring_cursor = cursor;
        snap.log_bytes = log_bytes;
        snap.abandoned = abandoned;
        publishStats(s.stats, snap);
        // Only now may writers reuse the entries these figures count.
        releaseEmissions(s.emissions, cursor);
        s.emissions.abandoned.store(abandoned, std::memory_order_relaxed);
        const PacingParams params = PacingParams::of(s, c);
        appendHistory(s.history,
                      {now, snap.latest.rate, snap.mean.rate, snap.hi_lo_window.rate,
                       snap.lo_hi_window.rate, c.targetRate(),
                       availablePermits(s.pacing, params, sharedSegmentOf(*client).relative(now)),
                       snap.total});
        if (last_round) break;
        if (now >= next_housekeeping) {
            if (!client->ownerAlive()) break;
            reapDeadWorkers(s);
            heartbeat(now);
            s.helpers.monitor_cpu_ns.store(selfCpuTime(), std::memory_order_relaxed);
            next_housekeeping = now + 100 * kNanosPerMilli;
        }
        // Sleeps in slices so the kill flag is seen within 50 ms whatever rf_rate is, and the
        // heartbeat goes on through a long rf_rate.
        const Nanos until = now + fromSeconds(c.rf_rate);
        while (!s.control.kill.load(std::memory_order_acquire)) {
            const Nanos left = until - monotonicNow();
            if (left <= 0) break;
            sleepFor(std::min<Nanos>(left, 50 * kNanosPerMilli));
            heartbeat(monotonicNow());
        }
        // Nothing arrived: rather than waking every rf_rate to recompute the same figures, it
        // parks until the figures change by themselves (an emission leaves the latest window,
        // one is due to be placed), the next emission, a live change, or housekeeping.
        if (!s.control.kill.load(std::memory_order_acquire)) {
            const Nanos change = acc.nextChange(per_ns, lag);
            // With nothing pending at all it parks longer than the housekeeping period: an
            // idle throttle costs a wake-up every 400 ms, and the heartbeat still comes well
            // within the 1 s after which the helper is reported stalled.
            Nanos park_until = change >= 0 ? std::min(next_housekeeping, change)
                                           : std::max(next_housekeeping, now + kIdlePark);
            if (park_until > monotonicNow()) parkMonitorIfEmpty(s.emissions, park_until);
        }
    }
    s.helpers.monitor_cpu_ns.store(selfCpuTime(), std::memory_order_relaxed);
    return 0;
}

} // namespace throttlelab
