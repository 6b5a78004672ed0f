// The engine session with real processes: live config changes reach the shared segment, the
// worker count starts and ends real worker processes, a SIGKILLed worker shows in the table
// while the others keep getting permits, and ending the session ends every process it began.
#include "engine_session.h"
#include "executable_lookup.h"
#include "throttle_client.h"
#include "ui_test_support.h"
#include "worker_table_model.h"

#include <QAbstractItemModelTester>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

using namespace throttlelab;
using namespace throttlelab::ui;
using namespace throttlelab::ui::test;

namespace {

std::uint64_t permitsOf(const EngineSession& s, qint64 pid) {
    for (const WorkerRow& r : s.workerRows())
        if (r.pid == pid) return r.permits;
    return 0;
}

QString stateOf(const EngineSession& s, qint64 pid) {
    for (const WorkerRow& r : s.workerRows())
        if (r.pid == pid) return r.state;
    return {};
}

ThrottleConfig rate(long long max_n) {
    ThrottleConfig c;
    c.max_n = max_n;
    return c;
}

} // namespace

class TestSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void controlChangeReachesEngine() {
        EngineSession s(uniqueName("config"));
        s.setWorkerCount(0);
        QCOMPARE(s.start(), QString());
        QString error;
        auto observer = ThrottleClient::attach(s.name(), AttachAs::Observer, &error);
        QVERIFY2(observer, qPrintable(error));
        QCOMPARE(observer->config().max_n, 4);

        ThrottleConfig c;
        c.max_n = 7;
        c.per = 2;
        c.hardcap = Hardcap::Window;
        c.mode = PacingMode::Classic;
        c.correction = 0.25;
        c.rf_rate = 0.02;
        c.auto_emit = false;
        QSignalSpy changed(&s, &EngineSession::configChanged);
        QCOMPARE(s.applyConfig(c).message(), QString());
        QCOMPARE(changed.count(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(observer->config().max_n, 7, 5000);
        const ThrottleConfig seen = observer->config();
        QCOMPARE(seen.per, 2.0);
        QCOMPARE(int(seen.hardcap), int(Hardcap::Window));
        QCOMPARE(int(seen.mode), int(PacingMode::Classic));
        QCOMPARE(seen.correction, 0.25);
        QCOMPARE(seen.rf_rate, 0.02);
        QCOMPARE(seen.auto_emit, false);

        ThrottleConfig bad = c;
        bad.max_n = 0;
        QCOMPARE(int(s.applyConfig(bad).input), int(ConfigInput::MaxN));
        bad = c;
        bad.correction = 1.5;
        QCOMPARE(int(s.applyConfig(bad).input), int(ConfigInput::Correction));
        QCOMPARE(observer->config().max_n, 7);
        QCOMPARE(observer->config().correction, 0.25);
    }

    void workerCountStartsAndEndsProcesses() {
        EngineSession s(uniqueName("count"));
        s.applyConfig(rate(200));
        s.setWorkerCount(3);
        QCOMPARE(s.start(), QString());
        QTRY_COMPARE_WITH_TIMEOUT(s.ownWorkerPids().size(), 3, 10000);
        const QList<qint64> first = s.ownWorkerPids();
        for (qint64 p : first)
            QVERIFY(pidAlive(p));
        // Each holds a slot in the segment, so any process sees it.
        QString error;
        auto observer = ThrottleClient::attach(s.name(), AttachAs::Observer, &error);
        QVERIFY(observer);
        auto slots = [&] {
            int n = 0;
            for (const WorkerInfo& w : observer->workers())
                n += w.state != WorkerState::Free ? 1 : 0;
            return n;
        };
        QTRY_COMPARE_WITH_TIMEOUT(slots(), 3, 10000);

        s.setWorkerCount(1);
        QTRY_COMPARE_WITH_TIMEOUT(s.ownWorkerPids().size(), 1, 10000);
        const qint64 kept = s.ownWorkerPids().first();
        QCOMPARE(kept, first.first()); // the newest go first
        for (qint64 p : first)
            if (p != kept) QTRY_VERIFY_WITH_TIMEOUT(!pidAlive(p), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(slots(), 1, 10000);

        s.setWorkerCount(2);
        QTRY_COMPARE_WITH_TIMEOUT(s.ownWorkerPids().size(), 2, 10000);
    }

    void killedWorkerShowsWhileOthersContinue() {
        EngineSession s(uniqueName("kill"));
        WorkerTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        connect(&s, &EngineSession::workersUpdated, &model, &WorkerTableModel::setRows);
        QStringList log;
        connect(&s, &EngineSession::logged, this, [&](const QString& l) { log << l; });
        s.applyConfig(rate(60));
        s.setWorkerCount(3);
        QCOMPARE(s.start(), QString());
        QTRY_COMPARE_WITH_TIMEOUT(s.ownWorkerPids().size(), 3, 10000);
        const QList<qint64> pids = s.ownWorkerPids();
        for (qint64 p : pids)
            QTRY_VERIFY_WITH_TIMEOUT(permitsOf(s, p) > 0, 10000);

        const qint64 victim = pids[1];
        QVERIFY(s.killWorker(victim));
        QTRY_VERIFY_WITH_TIMEOUT(stateOf(s, victim).startsWith(QLatin1String("killed")), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(
            model.rowOfPid(victim) >= 0 && !model.rows()[model.rowOfPid(victim)].alive, 5000);
        QVERIFY(log.join(u'\n').contains(QStringLiteral("worker %1 killed").arg(victim)));
        // Nothing is wedged: the survivors keep taking permits.
        const std::uint64_t a = permitsOf(s, pids[0]), b = permitsOf(s, pids[2]);
        QTRY_VERIFY_WITH_TIMEOUT(permitsOf(s, pids[0]) >= a + 5 && permitsOf(s, pids[2]) >= b + 5,
                                 15000);
        QCOMPARE(s.ownWorkerPids().size(), 2);
    }

    // The rate column is over the monitor's window, so the workers' rates add up to the
    // total rate and their shares to 100% (a smoothed 0.2 s difference summed to 4.4-4.8
    // where 4 were granted).
    void workerRatesAddUpToTheTotal() {
        EngineSession s(uniqueName("rates"));
        s.applyConfig(rate(4)); // the tutorial: about one each per second
        s.setWorkerCount(4);
        QCOMPARE(s.start(), QString());
        QTRY_COMPARE_WITH_TIMEOUT(s.ownWorkerPids().size(), 4, 10000);
        QTest::qWait(3000); // the 1 s window fills
        bool close = false;
        QString seen;
        for (int attempt = 0; attempt < 10 && !close; ++attempt) {
            QTest::qWait(200);
            double sum = 0, shares = 0;
            for (const WorkerRow& r : s.workerRows())
                if (r.alive) {
                    sum += r.rate;
                    shares += r.share_percent;
                }
            const double total = s.stats().latest.rate;
            seen += QStringLiteral(" %1/%2 (%3%)").arg(sum).arg(total).arg(shares);
            close = total > 0 && std::abs(sum - total) <= 0.05 * total &&
                    std::abs(shares - 100.0) < 0.5;
        }
        QVERIFY2(close, qPrintable(seen));
    }

    void externalWorkerAppears() {
        EngineSession s(uniqueName("external"));
        s.applyConfig(rate(50));
        s.setWorkerCount(1);
        QCOMPARE(s.start(), QString());
        QProcess outside;
        outside.start(findExecutable(QStringLiteral("throttle-worker")),
                      {QStringLiteral("--name"), s.name()});
        QVERIFY(outside.waitForStarted(5000));
        const qint64 pid = outside.processId();
        auto externalRow = [&]() -> const WorkerRow* {
            for (const WorkerRow& r : s.workerRows())
                if (r.pid == pid && !r.own) return &r;
            return nullptr;
        };
        QTRY_VERIFY_WITH_TIMEOUT(externalRow() != nullptr, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(externalRow() && externalRow()->permits > 0, 10000);
        // A crash of a process the app did not start frees its slot too.
        outside.kill();
        outside.waitForFinished(5000);
        QTRY_VERIFY_WITH_TIMEOUT(externalRow() == nullptr, 10000);
    }

    void endingTheSessionEndsEveryProcess() {
        QList<qint64> pids;
        {
            auto s = std::make_unique<EngineSession>(uniqueName("end"));
            s->applyConfig(rate(100));
            s->setWorkerCount(3);
            QCOMPARE(s->start(), QString());
            QTRY_COMPARE_WITH_TIMEOUT(s->ownWorkerPids().size(), 3, 10000);
            QTRY_COMPARE_WITH_TIMEOUT(s->helperPids().size(), 2, 10000);
            pids = s->ownWorkerPids() + s->helperPids();
            for (qint64 p : pids)
                QVERIFY(pidAlive(p));
        }
        QTRY_VERIFY_WITH_TIMEOUT(!anyAlive(pids), 5000);
    }

    void stopAndRestart() {
        EngineSession s(uniqueName("restart"));
        s.applyConfig(rate(100));
        s.setWorkerCount(2);
        QCOMPARE(s.start(), QString());
        QTRY_COMPARE_WITH_TIMEOUT(s.ownWorkerPids().size(), 2, 10000);
        const QList<qint64> before = s.ownWorkerPids();
        s.stop();
        QVERIFY(!s.isRunning());
        // Stop does not wait for the workers (the GUI thread never waits); they end at the
        // kill flag, and a restart kills any that has not.
        QTRY_VERIFY_WITH_TIMEOUT(!anyAlive(before), 5000);
        // Workers the app ended read as stopped, never as crashed.
        for (qint64 pid : before)
            QTRY_VERIFY_WITH_TIMEOUT(stateOf(s, pid).startsWith(QLatin1String("stopped")), 5000);
        QCOMPARE(s.restart(), QString());
        QTRY_COMPARE_WITH_TIMEOUT(s.ownWorkerPids().size(), 2, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(s.stats().total > 0, 10000);
    }

    void missingWorkerExecutableIsReported() {
        EngineSession s(uniqueName("missing"));
        QStringList log;
        connect(&s, &EngineSession::logged, this, [&](const QString& l) { log << l; });
        s.setWorkerProgram(QStringLiteral("/nonexistent/throttle-worker"));
        s.setWorkerCount(2);
        QCOMPARE(s.start(), QString()); // the throttle runs; only the workers are missing
        // Workers are started once the helpers are ready, on the event loop.
        QTRY_VERIFY_WITH_TIMEOUT(
            log.join(u'\n').contains(QLatin1String("throttle-worker executable was not found")),
            5000);
        QVERIFY(s.ownWorkerPids().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestSession)
#include "tst_ui_session.moc"
