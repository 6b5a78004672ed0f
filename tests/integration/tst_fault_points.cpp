// Deaths and stalls *inside* operations, at the named fault points of fault_injection.h: a
// helper, worker or config writer SIGKILLs or SIGSTOPs itself exactly there, with real
// processes and real shared memory. After each: every reader returns, statistics move again,
// stop() ends, no process is left, and granted = counted + what is reported lost.
#include "fault_injection.h"
#include "test_support.h"
#include "throttle.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

using namespace throttlelab;
using namespace testsupport;

namespace {

bool pidGone(qint64 pid) {
    return pid <= 0 || waitFor([&] { return !pidAlive(pid); }, 3000);
}

bool stoppedOrDead(qint64 pid) {
    const ProcessIdentity id = ProcessIdentity::of(pid_t(pid));
    return !id.isAlive() || id.isStopped();
}

qsizetype logRows(const QString& path) {
    qsizetype rows = 0;
    grantTimes(path, &rows);
    return rows;
}

// Ends the run as throttlectl does, and checks what every fault test checks at the end.
void stopAndAccount(Throttle& t, std::vector<std::unique_ptr<Running>>& workers,
                    std::vector<qint64> pids, const QString& log, std::uint64_t lost_at_least) {
    pids.push_back(t.client().runInfo().monitor_pid);
    pids.push_back(t.client().runInfo().throttle_pid);
    t.setKillFlag();
    for (auto& w : workers)
        if (!w->process->waitForFinished(1000)) w->process->kill();
    QElapsedTimer timer;
    timer.start();
    t.stop();
    // The bound is 1.5 s; a loaded CI machine gets twice that.
    QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
    for (qint64 pid : pids)
        QVERIFY2(pidGone(pid), qPrintable(QStringLiteral("pid %1 left running").arg(pid)));
    const RunInfo info = t.client().runInfo();
    const StatsSnapshot stats = t.stats();
    QVERIFY2(info.granted == stats.total + info.abandoned && info.abandoned >= lost_at_least,
             qPrintable(QStringLiteral("granted %1 counted %2 abandoned %3")
                            .arg(info.granted)
                            .arg(stats.total)
                            .arg(info.abandoned)));
    if (!log.isEmpty()) QCOMPARE(std::uint64_t(logRows(log)), stats.total);
}

} // namespace

class TestFaultPoints : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        if (!kFaultInjectionBuilt) QSKIP("built without THROTTLELAB_FAULT_INJECTION");
    }

    void monitorDiesOrStopsInside_data() {
        QTest::addColumn<QString>("fault");
        QTest::newRow("killed in the statistics publication") << "monitor.stats-publish@30";
        QTest::newRow("stopped in the statistics publication") << "monitor.stats-publish@30:stop";
        QTest::newRow("killed in a history append") << "monitor.history-append@30";
        QTest::newRow("stopped in a history append") << "monitor.history-append@30:stop";
        QTest::newRow("killed after writing the log") << "monitor.log-written@30";
    }
    void monitorDiesOrStopsInside() {
        QFETCH(QString, fault);
        QTemporaryDir dir;
        const QString log = dir.filePath("permits.csv");
        Throttle t(
            throttleOptions("monitor-fault", 300, Hardcap::Limit, PacingMode::Exact, 1.0, log));
        // Only the first monitor inherits the fault; its replacement starts without it.
        qputenv("THROTTLELAB_FAULT", fault.toLatin1());
        const QString started = t.start();
        qunsetenv("THROTTLELAB_FAULT");
        QCOMPARE(started, QString());
        auto workers = startWorkerProcesses(t.options().name, 2);
        const qint64 first = t.client().runInfo().monitor_pid;
        QVERIFY(waitFor([&] { return stoppedOrDead(first); }, 10000));

        // Readers return (they used to spin forever on the odd sequence word).
        const Result inspect =
            runTool("throttlectl", {"inspect", t.options().name, "--json"}, 5000);
        QCOMPARE(inspect.code, 0);
        (void)t.stats();

        // The owner notices (dead: at once; stopped: by its heartbeat) and replaces it.
        QVERIFY(waitFor(
            [&] {
                t.superviseHelpers();
                const qint64 now = t.client().runInfo().monitor_pid;
                return now != first && now > 0 && pidAlive(now);
            },
            8000));
        QVERIFY(pidGone(first)); // a stopped monitor is killed, not left behind
        const std::uint64_t before = t.stats().total;
        QVERIFY(waitFor([&] { return t.stats().total > before + 30; }, 3000)); // stats move
        const std::vector<qint64> pids{first};
        stopAndAccount(t, workers, pids, log, 0);
    }

    void workerDiesInside_data() {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<int>("hardcap");
        QTest::addColumn<int>("lost");
        QTest::newRow("between reserving and filling an emission")
            << "emit.reserved@40" << int(Hardcap::Limit) << 1;
        QTest::newRow("holding the window's lock")
            << "grant.window-lock@40" << int(Hardcap::Window) << 0;
        QTest::newRow("between granting and recording a permit")
            << "grant.unrecorded@40" << int(Hardcap::Limit) << 0;
    }
    void workerDiesInside() {
        QFETCH(QString, fault);
        QFETCH(int, hardcap);
        QFETCH(int, lost);
        QTemporaryDir dir;
        const QString log = dir.filePath("permits.csv");
        Throttle t(
            throttleOptions("worker-fault", 300, Hardcap(hardcap), PacingMode::Exact, 1.0, log));
        QCOMPARE(t.start(), QString());
        auto workers = startWorkerProcesses(t.options().name, 2);
        auto victim = startTool("throttle-worker", {"--name", t.options().name},
                                {"THROTTLELAB_FAULT=" + fault});
        QVERIFY(endsWithin(*victim->process, 10000));
        QCOMPARE(victim->process->exitStatus(), QProcess::CrashExit);
        // The others go on: nothing it held (the window's lock, a ring entry) wedges them.
        const std::uint64_t g0 = t.client().runInfo().granted;
        QVERIFY(waitFor([&] { return t.client().runInfo().granted > g0 + 60; }, 3000));
        QCOMPARE(runTool("throttlectl", {"inspect", t.options().name}, 5000).code, 0);
        const std::uint64_t counted = t.stats().total;
        QVERIFY(waitFor([&] { return t.stats().total > counted + 30; }, 3000));
        stopAndAccount(t, workers, {victim->pid()}, log, std::uint64_t(lost));
        if (Hardcap(hardcap) == Hardcap::Window) QVERIFY(t.stats().max_in_window <= 300);
    }

    // A `throttlectl set` killed in the middle of writing the new configuration, holding the
    // writer lock: readers keep the whole old configuration, the next writer takes the lock
    // over, and permits never stop.
    void configWriterDiesMidWrite() {
        Throttle t(throttleOptions("config-fault", 200, Hardcap::Limit, PacingMode::Exact, 1.0));
        QCOMPARE(t.start(), QString());
        auto workers = startWorkerProcesses(t.options().name, 2);
        auto writer =
            startTool("throttlectl", {"set", t.options().name, "--max-n", "500", "--per", "3"},
                      {"THROTTLELAB_FAULT=config.write"});
        QVERIFY(endsWithin(*writer->process, 5000));
        QCOMPARE(writer->process->exitStatus(), QProcess::CrashExit);
        QCOMPARE(t.config().max_n, 200LL); // nothing of the torn change shows
        QCOMPARE(t.config().per, 1.0);
        const Result set = runTool("throttlectl", {"set", t.options().name, "--per", "2"}, 10000);
        QVERIFY2(set.code == 0, set.err.constData());
        QCOMPARE(t.config().max_n, 200LL);
        QCOMPARE(t.config().per, 2.0);
        const std::uint64_t g0 = t.client().runInfo().granted;
        QVERIFY(waitFor([&] { return t.client().runInfo().granted > g0 + 20; }, 3000));
        stopAndAccount(t, workers, {}, {}, 0);
    }
};

QTEST_GUILESS_MAIN(TestFaultPoints)
#include "tst_fault_points.moc"
