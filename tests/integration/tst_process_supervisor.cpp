// The process supervisor with real processes (/bin/sh scripts): what it reports, when it
// restarts, how it ends what it started, and that the caller's event loop never waits on it.
#include "process_supervisor.h"
#include "test_support.h"

#include <QSignalSpy>
#include <QTest>

using namespace throttlelab;
using namespace testsupport;
using namespace std::chrono_literals;

namespace {

ProcessSpec shell(const QString& label, const QString& script) {
    return ProcessSpec::of(label, QStringLiteral("/bin/sh"), {QStringLiteral("-c"), script});
}

ProcessExit exitAt(const QSignalSpy& spy, qsizetype i) {
    return spy.at(i).at(0).value<ProcessExit>();
}

} // namespace

class TestProcessSupervisor : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void reportsStartAndExitAsTheyHappen() {
        ProcessSupervisor s;
        QSignalSpy started(&s, &ProcessSupervisor::started);
        QSignalSpy exited(&s, &ProcessSupervisor::exited);
        const ProcessId id = s.launch(shell("three", "exit 3"));
        QVERIFY(started.wait(5000) || started.count() == 1);
        QTRY_COMPARE_WITH_TIMEOUT(exited.count(), 1, 5000);
        const ProcessExit x = exitAt(exited, 0);
        QCOMPARE(x.id, id);
        QCOMPARE(x.code, 3);
        QVERIFY(!x.crashed && !x.asked && !x.restarting);
        QCOMPARE(x.describe(), QStringLiteral("exited 3"));
        QVERIFY(!s.isRunning(id));
        QCOMPARE(s.lastExit(id)->code, 3);
    }

    void aProgramThatCannotRunIsAStartFailureNotAnExit() {
        ProcessSupervisor s;
        QSignalSpy failed(&s, &ProcessSupervisor::failedToStart);
        QSignalSpy exited(&s, &ProcessSupervisor::exited);
        const ProcessId id =
            s.launch(ProcessSpec::of("missing", "/nonexistent/program", QStringList{}));
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 5000);
        QCOMPARE(failed.at(0).at(0).value<ProcessId>(), id);
        QVERIFY(failed.at(0).at(1).toString().contains(QLatin1String("/nonexistent/program")));
        QVERIFY(!s.isRunning(id));
        QTest::qWait(100);
        QCOMPARE(exited.count(), 0);
    }

    void diesAndIsRestartedWithinItsBudgetThenGivesUp() {
        ProcessSupervisor s;
        ProcessSpec spec = shell("flaky", "exit 1");
        spec.restart_automatically = true;
        spec.budget = {2, 60s};
        QSignalSpy restarted(&s, &ProcessSupervisor::restarted);
        QSignalSpy gave_up(&s, &ProcessSupervisor::gaveUp);
        QSignalSpy exited(&s, &ProcessSupervisor::exited);
        const ProcessId id = s.launch(spec);
        QTRY_COMPARE_WITH_TIMEOUT(gave_up.count(), 1, 10000);
        QCOMPARE(restarted.count(), 2); // the budget, not one more
        QCOMPARE(exited.count(), 3);
        QVERIFY(exitAt(exited, 0).restarting && exitAt(exited, 1).restarting);
        QVERIFY(!exitAt(exited, 2).restarting);
        QVERIFY(restarted.at(0).at(2).toString().contains(QLatin1String("exited 1")));
        QVERIFY(gave_up.at(0).at(1).toString().contains(QLatin1String("flaky")));
        QVERIFY(!s.isRunning(id));
        QTest::qWait(200);
        QCOMPARE(restarted.count(), 2);
    }

    void aSilentProcessIsKilledAndReplaced() {
        ProcessSupervisor s;
        ProcessSpec spec = shell("silent", "sleep 30");
        spec.restart_automatically = true;
        spec.budget = {1, {}};
        // Its heartbeat never moves: it is stalled once the bound has passed since its start.
        spec.heartbeat = [] { return Nanos(0); };
        spec.stall_bound = 300ms;
        QSignalSpy exited(&s, &ProcessSupervisor::exited);
        QSignalSpy restarted(&s, &ProcessSupervisor::restarted);
        const ProcessId id = s.launch(spec);
        const qint64 first = s.pid(id);
        QVERIFY(first > 0);
        QTRY_COMPARE_WITH_TIMEOUT(restarted.count(), 1, 5000);
        const ProcessExit x = exitAt(exited, 0);
        QVERIFY(x.stalled && x.crashed && !x.asked);
        QCOMPARE(x.code, int(SIGKILL));
        QVERIFY(restarted.at(0).at(2).toString().contains(QLatin1String("stopped answering")));
        QVERIFY(s.pid(id) != first);
        QVERIFY(!pidAlive(first));
        s.kill(id);
    }

    void endingKillsWhatDoesNotObeyAfterItsGrace() {
        ProcessSupervisor s;
        // One ends at SIGTERM, one ignores it.
        const ProcessId obeys = s.launch(shell("obeys", "sleep 30"));
        const ProcessId deaf =
            s.launch(shell("deaf", "trap '' TERM; while :; do sleep 0.05; done"));
        QVERIFY(waitFor([&] { return s.pid(obeys) > 0 && s.pid(deaf) > 0; }, 5000));
        QTest::qWait(100); // the trap is set
        QSignalSpy exited(&s, &ProcessSupervisor::exited);
        s.endAll(300ms, ProcessSupervisor::EndFirst::Terminate);
        QTRY_COMPARE_WITH_TIMEOUT(exited.count(), 2, 5000);
        for (qsizetype i = 0; i < exited.count(); ++i) {
            const ProcessExit x = exitAt(exited, i);
            QVERIFY(x.asked);
            QCOMPARE(x.code, x.id == deaf ? int(SIGKILL) : int(SIGTERM));
            QVERIFY(x.describe().startsWith(QLatin1String("stopped")));
        }
    }

    void readinessIsALineTheProgramPrints() {
        ProcessSupervisor s;
        ProcessSpec ready = shell("ready", "sleep 0.1; echo noise; echo ready; sleep 30");
        ready.announces_ready = true;
        ProcessSpec mute = shell("mute", "sleep 30");
        mute.announces_ready = true;
        QSignalSpy ready_spy(&s, &ProcessSupervisor::ready);
        const ProcessId a = s.launch(ready);
        const ProcessId b = s.launch(mute);
        QVERIFY(!s.isReady(a));
        QVERIFY(s.waitForReady({a}, 5s));
        QCOMPARE(ready_spy.count(), 1);
        QVERIFY(!s.waitForReady({b}, 200ms));
        // One that dies before it is ready ends the wait at once.
        ProcessSpec dies = shell("dies", "exit 4");
        dies.announces_ready = true;
        const ProcessId c = s.launch(dies);
        const Nanos t0 = monotonicNow();
        QVERIFY(!s.waitForReady({c}, 20s));
        QVERIFY(monotonicNow() - t0 < 10 * kNanosPerSecond);
    }

    void destroyingEndsEveryProcess() {
        QList<qint64> pids;
        {
            ProcessSupervisor s;
            for (int i = 0; i < 3; ++i)
                pids << s.pid(s.launch(shell("sleeper", "sleep 30")));
            for (qint64 p : pids)
                QVERIFY(p > 0 && pidAlive(p));
        }
        for (qint64 p : pids)
            QVERIFY(!pidAlive(p));
    }

    // Without an event loop of its own (a benchmark, a plain thread) the same waits work by
    // polling the processes.
    void checkNowCollectsExitsWithoutAnEventLoop() {
        ProcessSupervisor s;
        ProcessSpec spec = shell("once", "exit 0");
        spec.restart_automatically = true;
        spec.budget = {1, {}};
        QSignalSpy restarted(&s, &ProcessSupervisor::restarted);
        s.launch(spec);
        sleepMs(300); // no events are processed while it exits
        s.checkNow();
        QCOMPARE(restarted.count(), 1);
    }
};

QTEST_GUILESS_MAIN(TestProcessSupervisor)
#include "tst_process_supervisor.moc"
