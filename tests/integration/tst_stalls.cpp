// Stalls, not only deaths, and bounded shutdown: a worker or helper stopped with SIGSTOP
// (Ctrl-Z, a debugger), a stop with every worker busy in a long work item, and Ctrl-C to a
// whole process group. Real processes throughout.
#include "test_support.h"
#include "throttle.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace throttlelab;
using namespace testsupport;

namespace {

std::uint64_t grantedOver(Throttle& t, int ms) {
    const std::uint64_t g0 = t.client().runInfo().granted;
    sleepMs(ms);
    return t.client().runInfo().granted - g0;
}

QJsonObject inspectJson(const QString& name) {
    const Result r = runTool("throttlectl", {"inspect", name, "--json"}, 5000);
    return QJsonDocument::fromJson(r.out).object();
}

} // namespace

class TestStalls : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // exact mode yields a due permit to the oldest waiter, for at most 2 ms. A stopped
    // waiter is always the oldest: it used to cost 2 ms per permit (1k/s with 2 workers fell
    // to 511/s). Now it loses its turn once and nobody waits for it again.
    void aStoppedWaiterDelaysNobody() {
        Throttle t(throttleOptions("stopped-waiter", 1000));
        QCOMPARE(t.start(), QString());
        auto workers = startWorkerProcesses(t.options().name, 3);
        QVERIFY(waitFor([&] { return t.client().workers().size() == 3; }, 5000));
        QVERIFY(waitFor([&] { return t.client().runInfo().waiters >= 2; }, 5000));
        ::kill(pid_t(workers[0]->pid()), SIGSTOP);
        sleepMs(300);
        const std::uint64_t got = grantedOver(t, 2000);
        ::kill(pid_t(workers[0]->pid()), SIGCONT);
        // 2,000 are due in 2 s; the machine is noisy, the defect gave about half.
        QVERIFY2(got >= 1700, qPrintable(QString::number(got)));
        t.setKillFlag();
        for (auto& w : workers)
            QVERIFY(endsWithin(*w->process, 3000));
        t.stop();
    }

    void aStoppedMonitorIsReportedAndReplaced() {
        Throttle t(throttleOptions("stopped-monitor", 200));
        QCOMPARE(t.start(), QString());
        auto workers = startWorkerProcesses(t.options().name, 2);
        QVERIFY(waitFor([&] { return t.stats().total > 20; }, 5000));
        const qint64 monitor = t.client().runInfo().monitor_pid;
        ::kill(pid_t(monitor), SIGSTOP);
        // Past the stall bound (2 s), before the owner's supervision has run.
        sleepMs(2600);
        const QJsonObject run = inspectJson(t.options().name).value("run").toObject();
        QVERIFY(run.value("monitor_stalled").toBool());
        QVERIFY(runTool("throttlectl", {"inspect", t.options().name}).out.contains("STALLED"));
        QCOMPARE(t.superviseHelpers(), QStringList{"monitor"});
        QVERIFY(t.client().runInfo().monitor_pid != monitor);
        QCOMPARE(t.client().runInfo().helper_stalls, 1ull);
        QVERIFY(waitFor([&] { return !pidAlive(monitor); }, 3000)); // killed, not orphaned
        const std::uint64_t before = t.stats().total;
        QVERIFY(waitFor([&] { return t.stats().total > before + 20; }, 3000));
        QVERIFY(!inspectJson(t.options().name)
                     .value("run")
                     .toObject()
                     .value("monitor_stalled")
                     .toBool());
        t.setKillFlag();
        for (auto& w : workers)
            QVERIFY(endsWithin(*w->process, 3000));
        t.stop();
        QCOMPARE(t.stats().total, t.client().runInfo().granted);
    }

    // classic mode's permits come from the throttle process alone: stopped, it used to mean
    // zero permits for ever while inspect said "running".
    void aStoppedClassicThrottleIsReplaced() {
        ThrottleOptions o =
            throttleOptions("stopped-throttle", 100, Hardcap::Limit, PacingMode::Classic);
        Throttle t(o);
        QCOMPARE(t.start(), QString());
        auto workers = startWorkerProcesses(o.name, 2);
        QVERIFY(waitFor([&] { return t.client().runInfo().granted > 10; }, 5000));
        const qint64 throttle = t.client().runInfo().throttle_pid;
        ::kill(pid_t(throttle), SIGSTOP);
        sleepMs(2600);
        QVERIFY(inspectJson(o.name).value("run").toObject().value("throttle_stalled").toBool());
        QVERIFY(grantedOver(t, 300) <= 1); // nothing comes while it is stopped
        QCOMPARE(t.superviseHelpers(), QStringList{"throttle"});
        QVERIFY(waitFor([&] { return !pidAlive(throttle); }, 3000));
        QVERIFY(grantedOver(t, 1000) >= 50); // permits again
        t.setKillFlag();
        for (auto& w : workers)
            QVERIFY(endsWithin(*w->process, 3000));
        t.stop();
    }

    // 6 workers each 30 s into a work item: the owner used to wait about 1 s per busy worker,
    // one after the other, and `throttlectl stop` gave up after 3 s saying nothing.
    void stopWithBusyWorkersIsBoundedAndReported() {
        const QString name = uniqueName("busy-stop");
        auto owner = startTool("throttlectl", {"run", "--name", name, "--max-n", "100", "--workers",
                                               "6", "--work", "fixed:30s:sleep", "--json"});
        std::unique_ptr<ThrottleClient> observer;
        QVERIFY(waitFor(
            [&] {
                QString error;
                observer = ThrottleClient::attach(name, AttachAs::Observer, &error);
                if (!observer || observer->workers().size() != 6) return false;
                for (const WorkerInfo& w : observer->workers())
                    if (w.state != WorkerState::Working) return false;
                return true;
            },
            15000));
        std::vector<qint64> pids{observer->runInfo().monitor_pid, observer->runInfo().throttle_pid};
        for (const WorkerInfo& w : observer->workers())
            pids.push_back(w.pid);
        observer.reset();
        QElapsedTimer timer;
        timer.start();
        const Result stop = runTool("throttlectl", {"stop", name}, 10000);
        QCOMPARE(stop.code, 0);
        QVERIFY2(stop.out.contains("owner") && stop.out.contains("has ended"),
                 stop.out.constData());
        QVERIFY(endsWithin(*owner->process, 5000));
        // The bound is 1.5 s for the whole stop; a loaded CI machine gets twice that.
        QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
        for (qint64 pid : pids)
            QVERIFY2(waitFor([&] { return !pidAlive(pid); }, 2000),
                     qPrintable(QString::number(pid)));
    }

    void stopSaysWhenTheOwnerDoesNotEnd() {
        const QString name = uniqueName("stuck-owner");
        auto owner =
            startTool("throttlectl", {"run", "--name", name, "--max-n", "10", "--workers", "0"});
        // Running, not only created: stopped before its run began, it would have no run to end.
        QVERIFY(waitFor(
            [&] { return inspectJson(name).value("run").toObject().value("running").toBool(); },
            10000));
        ::kill(pid_t(owner->pid()), SIGSTOP);
        const Result stop = runTool("throttlectl", {"stop", name, "--wait", "0.5"}, 10000);
        ::kill(pid_t(owner->pid()), SIGCONT);
        QCOMPARE(stop.code, 1);
        QVERIFY2(stop.err.contains("has not ended"), stop.err.constData());
        QVERIFY(endsWithin(*owner->process, 5000)); // it saw the request once resumed
    }

    // Ctrl-C in a terminal reaches the whole process group. The helpers used to die before
    // their last round: about 20 log rows missing, the total below what was granted.
    void ctrlCToTheProcessGroupLosesNothing() {
        QTemporaryDir dir;
        const QString log = dir.filePath("permits.csv");
        const QString name = uniqueName("ctrl-c");
        QProcess owner;
        owner.setChildProcessModifier([] { setpgid(0, 0); });
        owner.start(exe("throttlectl"), {"run", "--name", name, "--max-n", "500", "--workers", "2",
                                         "--json", "--log", log});
        QVERIFY(owner.waitForStarted());
        QVERIFY(waitFor(
            [&] {
                QString error;
                auto c = ThrottleClient::attach(name, AttachAs::Observer, &error);
                return c && c->stats().total > 200;
            },
            10000));
        ::kill(-pid_t(owner.processId()), SIGINT);
        QVERIFY(endsWithin(owner, 10000));
        QCOMPARE(owner.exitCode(), 0);
        const QJsonObject summary = QJsonDocument::fromJson(owner.readAllStandardOutput()).object();
        qsizetype rows = 0;
        grantTimes(log, &rows);
        const auto total = qint64(summary.value("total").toDouble());
        const auto granted = qint64(summary.value("granted").toDouble());
        QVERIFY2(total == granted && rows == total,
                 qPrintable(QStringLiteral("granted %1 total %2 log rows %3")
                                .arg(granted)
                                .arg(total)
                                .arg(rows)));
    }
};

QTEST_GUILESS_MAIN(TestStalls)
#include "tst_stalls.moc"
