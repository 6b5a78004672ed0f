// Faults with real processes: SIGKILLed workers, helpers and owners; stale, foreign and
// other-version segments; a second owner.
#include "shared_segment.h"
#include "test_support.h"
#include "throttle.h"

#include <QDir>
#include <QSharedMemory>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>
#include <sys/wait.h>

using namespace throttlelab;
using namespace testsupport;

namespace {

// Fills the segment key of `name` with something that is not a live ThrottleLab segment.
std::unique_ptr<QSharedMemory> plantSegment(const QString& name,
                                            const std::function<void(char*, qsizetype)>& fill,
                                            qsizetype size) {
    auto m = std::make_unique<QSharedMemory>();
    m->setNativeKey(SharedSegment::nativeKeyFor(name));
    if (!m->create(size)) return nullptr;
    fill(static_cast<char*>(m->data()), size);
    return m;
}

} // namespace

class TestFaults : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void killedWorkerWedgesNobody_data() {
        QTest::addColumn<int>("hardcap");
        QTest::newRow("limit") << int(Hardcap::Limit);
        QTest::newRow("window") << int(Hardcap::Window);
    }
    void killedWorkerWedgesNobody() {
        QFETCH(int, hardcap);
        Throttle t(throttleOptions("sigkill", 100, Hardcap(hardcap)));
        QCOMPARE(t.start(), QString());
        auto workers = startWorkers(t.options().name, 3);
        QVERIFY(waitFor([&] { return t.client().workers().size() == 3; }, 5000));
        QVERIFY(waitFor([&] { return t.client().runInfo().waiters >= 1; }, 5000));
        // Most of its time a worker waits in await_fuel: that is where it dies.
        ::kill(pid_t(workers->pid(0)), SIGKILL);
        QVERIFY(waitFor([&] { return !workers->running(0); }, 3000));
        QVERIFY(waitFor([&] { return t.client().runInfo().reclaimed_worker_slots >= 1; }, 3000));
        QCOMPARE(t.client().workers().size(), 2u);
        const std::uint64_t g0 = t.client().runInfo().granted;
        sleepMs(500);
        const std::uint64_t g1 = t.client().runInfo().granted;
        QVERIFY2(g1 - g0 >= 25, qPrintable(QString::number(g1 - g0))); // the others go on
        for (std::size_t i = 1; i < workers->size(); ++i)
            QVERIFY(workers->running(i));
    }
    void workerKilledWhileWorkingIsReclaimed() {
        Throttle t(throttleOptions("busy", 200));
        QCOMPARE(t.start(), QString());
        auto workers = startWorkers(t.options().name, 3, "fixed:40ms:cpu");
        QVERIFY(waitFor([&] { return t.client().workers().size() == 3; }, 5000));
        const qint64 victim = workers->pid(0);
        // Working (not waiting) most of the time with 40 ms of work per permit.
        QVERIFY(waitFor(
            [&] {
                for (const WorkerInfo& w : t.client().workers())
                    if (w.pid == victim && w.state == WorkerState::Working) return true;
                return false;
            },
            5000));
        ::kill(pid_t(victim), SIGKILL);
        QVERIFY(waitFor([&] { return t.client().workers().size() == 2; }, 3000));
        const Result inspect = runTool("throttlectl", {"inspect", t.options().name, "--json"});
        QVERIFY(!inspect.out.contains(QByteArray::number(victim)));
        QVERIFY(inspect.out.contains("\"reclaimed_worker_slots\": 1"));
        const std::uint64_t g0 = t.client().runInfo().granted;
        QVERIFY(waitFor([&] { return t.client().runInfo().granted > g0 + 10; }, 5000));
    }
    // The monitor SIGKILLed during a run: what it had taken from the ring but not yet
    // published used to die with it (about 20 log rows and as many counts per kill). It now
    // releases ring entries only once published figures count them, and cuts the log back
    // to the published size, so its replacement counts and logs each permit exactly once.
    void monitorKilledMidRunLosesNothing() {
        QTemporaryDir dir;
        ThrottleOptions o = throttleOptions("monitor-down", 300);
        o.log_path = dir.filePath("permits.csv");
        Throttle t(o);
        QCOMPARE(t.start(), QString());
        auto workers = startWorkers(o.name, 2);
        for (int kill = 0; kill < 3; ++kill) {
            QVERIFY(
                waitFor([&] { return t.stats().total > std::uint64_t(30 + 100 * kill); }, 5000));
            const qint64 monitor = t.client().runInfo().monitor_pid;
            ::kill(pid_t(monitor), SIGKILL);
            QVERIFY(waitFor([&] { return !pidAlive(monitor); }, 3000));
            const std::uint64_t frozen = t.stats().total;
            sleepMs(200); // permits go on; their emissions wait in the ring
            QVERIFY(t.client().runInfo().granted > frozen + 20);
            QCOMPARE(t.superviseHelpers(), QStringList{"monitor"});
        }
        t.setKillFlag();
        workers->finish();
        t.stop();
        const std::uint64_t granted = t.client().runInfo().granted;
        qsizetype rows = 0;
        grantTimes(o.log_path, &rows);
        QVERIFY2(t.stats().total == granted && std::uint64_t(rows) == granted,
                 qPrintable(QStringLiteral("granted %1 counted %2 logged %3")
                                .arg(granted)
                                .arg(t.stats().total)
                                .arg(rows)));
    }
    // `set --max-n 77` and `set --per 7` at the same moment: each `set` used to rewrite every
    // field it had read, so one change was lost (11 of 300 tries).
    void concurrentSetsAreBothKept() {
        Throttle t(throttleOptions("two-sets", 10));
        QCOMPARE(t.start(), QString());
        for (int round = 0; round < 25; ++round) {
            ThrottleConfig reset = t.config();
            reset.max_n = 10;
            reset.per = 1;
            QCOMPARE(t.setConfig(reset).message(), QString());
            const QString n = QString::number(77 + round), per = QString::number(7 + round);
            QProcess a, b;
            a.start(exe("throttlectl"), {"set", t.options().name, "--max-n", n});
            b.start(exe("throttlectl"), {"set", t.options().name, "--per", per});
            QVERIFY(endsWithin(a, 10000) && endsWithin(b, 10000));
            QCOMPARE(a.exitCode(), 0);
            QCOMPARE(b.exitCode(), 0);
            QCOMPARE(t.config().max_n, 77LL + round);
            QCOMPARE(t.config().per, 7.0 + round);
        }
    }
    void appKilledEndsItsWorkersAndHelpers() {
        if (exe("throttlelab").isEmpty()) QSKIP("the app is not built (THROTTLELAB_BUILD_UI=OFF)");
        const QString name = uniqueName("app");
        QProcess app;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("QT_QPA_PLATFORM", "offscreen");
        app.setProcessEnvironment(env);
        app.start(exe("throttlelab"), {"--name", name, "--preset", "tutorial-4-per-second"});
        QVERIFY(app.waitForStarted());
        std::unique_ptr<ThrottleClient> observer;
        QVERIFY(waitFor(
            [&] {
                QString error;
                observer = ThrottleClient::attach(name, AttachAs::Observer, &error);
                return observer && observer->workers().size() == 4 &&
                       observer->runInfo().monitor_pid;
            },
            15000));
        std::vector<qint64> pids{observer->runInfo().monitor_pid, observer->runInfo().throttle_pid};
        for (const WorkerInfo& w : observer->workers())
            pids.push_back(w.pid);
        observer.reset();
        ::kill(pid_t(app.processId()), SIGKILL);
        app.waitForFinished();
        for (qint64 pid : pids)
            QVERIFY2(waitFor([&] { return !pidAlive(pid); }, 4000),
                     qPrintable(QString::number(pid)));
    }
    void deadHelpersAreNoticedAndRestarted() {
        Throttle t(throttleOptions("helpers", 200));
        QCOMPARE(t.start(), QString());
        auto workers = startWorkers(t.options().name, 2);
        QVERIFY(waitFor([&] { return t.stats().total > 20; }, 5000));
        const qint64 monitor = t.client().runInfo().monitor_pid;
        const qint64 throttle = t.client().runInfo().throttle_pid;
        ::kill(pid_t(monitor), SIGKILL);
        ::kill(pid_t(throttle), SIGKILL);
        QVERIFY(waitFor([&] { return !pidAlive(monitor) && !pidAlive(throttle); }, 3000));
        QStringList restarted;
        QVERIFY(waitFor(
            [&] {
                restarted += t.superviseHelpers();
                return restarted.size() == 2;
            },
            3000));
        QVERIFY(t.client().runInfo().monitor_pid != monitor);
        const std::uint64_t before = t.stats().total;
        QVERIFY(waitFor([&] { return t.stats().total > before + 20; }, 5000)); // statistics go on
    }
    void ownerDeathEndsEverything() {
        const QString name = uniqueName("owner");
        QProcess owner;
        owner.start(exe("throttlectl"), {"run", "--name", name, "--max-n", "50", "--workers", "2",
                                         "--duration", "120", "--json"});
        QVERIFY(owner.waitForStarted());
        std::unique_ptr<ThrottleClient> observer;
        QVERIFY(waitFor(
            [&] {
                QString error;
                observer = ThrottleClient::attach(name, AttachAs::Observer, &error);
                return observer && observer->workers().size() == 2 &&
                       observer->runInfo().monitor_pid && observer->runInfo().throttle_pid;
            },
            10000));
        std::vector<qint64> pids{observer->runInfo().monitor_pid, observer->runInfo().throttle_pid};
        for (const WorkerInfo& w : observer->workers())
            pids.push_back(w.pid);
        observer.reset();
        ::kill(pid_t(owner.processId()), SIGKILL);
        owner.waitForFinished();
        // Helpers and workers poll their owner every 100 ms: they end well within 2 s.
        for (qint64 pid : pids)
            QVERIFY2(waitFor([&] { return !pidAlive(pid); }, 4000),
                     qPrintable(QString::number(pid)));
        ThrottleOptions o = throttleOptions("x", 10);
        o.name = name;
        Throttle next(o); // the next start under the same name succeeds
        QCOMPARE(next.start(), QString());
    }
    void staleSegmentIsReclaimed() {
        const QString name = uniqueName("stale");
        const pid_t child = fork();
        if (child == 0) {
            QString error;
            auto seg = SharedSegment::createOwned(name, &error);
            _exit(seg ? 0 : 1); // dies attached: the segment outlives it
        }
        int status = 0;
        waitpid(child, &status, 0);
        QCOMPARE(WEXITSTATUS(status), 0);
        QVERIFY(SharedSegment::exists(name));
        QString error;
        QVERIFY(!ThrottleClient::attach(name, AttachAs::Observer, &error));
        QVERIFY2(error.contains("is gone"), qPrintable(error)); // its owner died
        ThrottleOptions o = throttleOptions("x", 10);
        o.name = name;
        Throttle t(o);
        QCOMPARE(t.start(), QString());
        QVERIFY(t.hasFuel());
    }
    void foreignSegmentIsRefusedThenRemovable() {
        const QString name = uniqueName("foreign");
        auto planted = plantSegment(
            name, [](char* d, qsizetype n) { std::memset(d, 0x5a, size_t(n)); }, 4096);
        QVERIFY(planted);
        ThrottleOptions o = throttleOptions("x", 10);
        o.name = name;
        {
            Throttle t(o);
            const QString e = t.start();
            QVERIFY2(e.contains("not a ThrottleLab segment") && e.contains("throttlectl remove"),
                     qPrintable(e));
        }
        const Result inspect = runTool("throttlectl", {"inspect", name});
        QCOMPARE(inspect.code, 2);
        QVERIFY(inspect.err.contains("not a ThrottleLab segment"));
        QVERIFY(planted->detach()); // the last attacher removes it
        QVERIFY(!SharedSegment::exists(name));
        Throttle t(o);
        QCOMPARE(t.start(), QString());
    }
    void otherLayoutVersionIsRefused() {
        const QString name = uniqueName("version");
        auto planted = plantSegment(
            name,
            [](char* d, qsizetype) {
                shm::Header h{};
                h.magic = shm::kMagic;
                h.layout_version = shm::kLayoutVersion + 1;
                std::memcpy(d, static_cast<const void*>(&h), sizeof h);
            },
            qsizetype(shm::kSegmentSize));
        QVERIFY(planted);
        ThrottleOptions o = throttleOptions("x", 10);
        o.name = name;
        Throttle t(o);
        QVERIFY(t.start().contains("layout version"));
        QString error;
        QVERIFY(!ThrottleClient::attach(name, AttachAs::Observer, &error));
        QVERIFY(error.contains("layout version"));
    }
    void secondOwnerIsRefused() {
        Throttle first(throttleOptions("owner2", 10));
        QCOMPARE(first.start(), QString());
        Throttle second(first.options());
        const QString e = second.start();
        QVERIFY2(e.contains("already running"), qPrintable(e));
        QVERIFY(first.hasFuel()); // the first is untouched
    }
    void abandonedSegmentCanBeRemovedButALiveOneCannot() {
        Throttle t(throttleOptions("remove", 10));
        QCOMPARE(t.start(), QString());
        const Result r = runTool("throttlectl", {"remove", t.options().name});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains("in use"));
    }
    // A run started at once after its owner was SIGKILLed must not inherit the dead
    // run's statistics, although the dead run's helpers and workers are still attached then.
    void ownerRestartedAtOnceCountsOnlyItsOwnRun() {
        const QString name = uniqueName("restart");
        QProcess owner;
        owner.start(exe("throttlectl"), {"run", "--name", name, "--max-n", "100", "--workers", "2",
                                         "--duration", "60"});
        QVERIFY(owner.waitForStarted());
        std::unique_ptr<ThrottleClient> observer;
        QVERIFY(waitFor(
            [&] {
                QString error;
                if (!observer) observer = ThrottleClient::attach(name, AttachAs::Observer, &error);
                return observer && observer->stats().total > 50;
            },
            10000));
        const std::uint64_t old_total = observer->stats().total;
        ::kill(pid_t(owner.processId()), SIGKILL);
        owner.waitForFinished();
        const long long max_n = 10; // well below the dead run's 100, so its figures stand out
        // The window hardcap: at most max_n in any window is then a promise of its own.
        ThrottleOptions o = throttleOptions("x", max_n, Hardcap::Window);
        o.name = name;
        Throttle next(o);
        QCOMPARE(next.start(), QString());
        observer.reset(); // a straggler of the dead run detaches while the new run goes on
        auto workers = startWorkers(name, 2);
        sleepMs(1500);
        next.setKillFlag();
        workers->finish();
        const RunSummary summary = next.stop();
        const StatsSnapshot s = next.stats();
        const std::uint64_t granted = next.client().runInfo().granted;
        const QString what = QStringLiteral("dead run %1, new run total %2 granted %3 max in "
                                            "window %4 runtime %5 s")
                                 .arg(old_total)
                                 .arg(s.total)
                                 .arg(granted)
                                 .arg(s.max_in_window)
                                 .arg(summary.runtime_s);
        QVERIFY2(s.total <= granted, qPrintable(what));
        QVERIFY2(s.max_in_window <= max_n, qPrintable(what));
        // Its own pace: max_n at once, then max_n per second of its run.
        QVERIFY2(double(s.total) <= double(max_n) * (1 + summary.runtime_s) + 2, qPrintable(what));
        QVERIFY2(s.total < old_total, qPrintable(what));
    }
    // One namespace whatever TMPDIR each process runs with.
    void ownersAndWorkersMeetWhateverTheirTmpdir() {
        QTemporaryDir owner_tmp, other_tmp;
        QVERIFY(owner_tmp.isValid() && other_tmp.isValid());
        const QString name = uniqueName("tmpdir");
        QProcess owner;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("TMPDIR", owner_tmp.path());
        owner.setProcessEnvironment(env);
        owner.start(exe("throttlectl"),
                    {"run", "--name", name, "--max-n", "50", "--workers", "0", "--duration", "30"});
        QVERIFY(owner.waitForStarted());
        // The test's own TMPDIR is the default one: ThrottleClient must find the owner too.
        QVERIFY(waitFor(
            [&] {
                QString error;
                return bool(ThrottleClient::attach(name, AttachAs::Observer, &error));
            },
            10000));
        const Result worker = runTool("throttle-worker", {"--name", name, "--count", "3"});
        QVERIFY2(worker.code == 0, worker.err.constData());
        QProcess second;
        env.insert("TMPDIR", other_tmp.path());
        second.setProcessEnvironment(env);
        second.start(exe("throttlectl"),
                     {"run", "--name", name, "--max-n", "50", "--workers", "0", "--duration", "5"});
        QVERIFY(endsWithin(second, 15000));
        const QByteArray err = second.readAllStandardError();
        QCOMPARE(second.exitCode(), 1);
        QVERIFY2(err.contains("already running"), err.constData());
        QVERIFY(owner.state() == QProcess::Running); // the first is untouched
        QCOMPARE(runTool("throttlectl", {"stop", name}).code, 0);
        QVERIFY(endsWithin(owner, 10000));
        QCOMPARE(owner.exitCode(), 0);
    }
    // Of two owners started at the same instant, one runs and the other is told the
    // name is taken; never that the winner's half-made segment is foreign.
    void simultaneousOwnersOneWinsTheOtherIsToldSo() {
        for (int round = 0; round < 20; ++round) {
            const QString name = uniqueName("race");
            const QStringList args{"run",       "--name", name,         "--max-n", "10",
                                   "--workers", "0",      "--duration", "2"};
            QProcess a, b;
            a.start(exe("throttlectl"), args);
            b.start(exe("throttlectl"), args);
            QVERIFY(endsWithin(a, 30000) && endsWithin(b, 30000));
            const QByteArray ea = a.readAllStandardError(), eb = b.readAllStandardError();
            const QString what = QStringLiteral("round %1: exit %2 '%3' / exit %4 '%5'")
                                     .arg(round)
                                     .arg(a.exitCode())
                                     .arg(QString::fromUtf8(ea.trimmed()))
                                     .arg(b.exitCode())
                                     .arg(QString::fromUtf8(eb.trimmed()));
            QVERIFY2(a.exitStatus() == QProcess::NormalExit &&
                         b.exitStatus() == QProcess::NormalExit,
                     qPrintable(what));
            QVERIFY2(!ea.contains("bad magic") && !eb.contains("bad magic"), qPrintable(what));
            const bool a_won = a.exitCode() == 0;
            QProcess& loser = a_won ? b : a;
            const QByteArray& loser_err = a_won ? eb : ea;
            QVERIFY2((a_won ? a : b).exitCode() == 0, qPrintable(what));
            QVERIFY2(loser.exitCode() == 1 && loser_err.contains("already running"),
                     qPrintable(what));
        }
    }
    // SIGKILLed owners leave no System V semaphore or qipc file behind, and `throttlectl
    // remove` cleans their segment at once, with their helpers and workers still attached.
    void killedOwnersLeakNothingAndAreRemovable() {
        const auto semaphores = [] {
            QFile f("/proc/sysvipc/sem");
            if (!f.open(QIODevice::ReadOnly)) return -1;
            return int(f.readAll().count('\n'));
        };
        const auto qipcFiles = [] {
            return QDir(QDir::tempPath())
                .entryList({"qipc_systemsem_*"}, QDir::Files | QDir::System | QDir::Hidden)
                .size();
        };
        const int sems_before = semaphores();
        const qsizetype files_before = qipcFiles();
        QVERIFY(sems_before >= 0);
        QStringList names;
        for (int i = 0; i < 3; ++i) {
            const QString name = uniqueName("leak");
            names << name;
            QProcess owner;
            owner.start(exe("throttlectl"), {"run", "--name", name, "--max-n", "50", "--workers",
                                             "2", "--duration", "60"});
            QVERIFY(owner.waitForStarted());
            QVERIFY(waitFor(
                [&] {
                    QString error;
                    auto c = ThrottleClient::attach(name, AttachAs::Observer, &error);
                    return c && c->workers().size() == 2 && c->runInfo().monitor_pid;
                },
                10000));
            ::kill(pid_t(owner.processId()), SIGKILL);
            owner.waitForFinished();
            // At once: its helpers and workers have not noticed yet and are still attached.
            const Result r = runTool("throttlectl", {"remove", name});
            QVERIFY2(r.code == 0, r.err.constData());
            QVERIFY(!SharedSegment::exists(name));
        }
        // Other programs of this user may create or remove semaphores meanwhile: the counts
        // need only come back to what they were, which they do at once unless something leaked.
        QVERIFY2(waitFor([&] { return semaphores() == sems_before; }, 2000),
                 qPrintable(QStringLiteral("%1 semaphores before, %2 after")
                                .arg(sems_before)
                                .arg(semaphores())));
        QVERIFY2(waitFor([&] { return qipcFiles() == files_before; }, 2000),
                 qPrintable(QStringLiteral("%1 qipc files before, %2 after")
                                .arg(files_before)
                                .arg(qipcFiles())));
        for (const QString& name : names)
            QVERIFY(!SharedSegment::exists(name));
    }
};

QTEST_GUILESS_MAIN(TestFaults)
#include "tst_faults.moc"
