// Batch jobs as a user runs them, with real processes and real stashes: every key exactly
// once, a worker or the whole run SIGKILLed and resumed, no torn results, failures kept and
// reprocessed, stop-if-error, timeouts, and bad input.
#include "job_items.h"
#include "job_test_support.h"
#include "throttle_client.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>
#include <set>

using namespace throttlelab;
using namespace testsupport;

namespace {

// A `throttlectl job run` in the background.
struct BackgroundJob {
    QProcess process;
    QString throttle;
    explicit BackgroundJob(const QStringList& args, const QString& name = {})
        : throttle(name) {
        QStringList all{"job", "run", "--json"};
        if (!name.isEmpty()) all << "--name" << name;
        process.start(exe("throttlectl"), all + args);
        process.waitForStarted();
    }
    ~BackgroundJob() {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished();
        }
    }
    // The job's worker processes, read from its throttle's slots.
    std::vector<qint64> workerPids() {
        std::vector<qint64> pids;
        waitFor(
            [&] {
                QString error;
                auto client = ThrottleClient::attach(throttle, AttachAs::Observer, &error);
                if (!client) return false;
                pids.clear();
                for (const WorkerInfo& w : client->workers())
                    pids.push_back(w.pid);
                return !pids.empty();
            },
            10000);
        return pids;
    }
    // A run that has not ended by `timeout_ms` (a hang guard, not a timing check) is reported
    // as such in `err`, so a failure says whether the run hung, crashed or failed.
    Result finish(int timeout_ms = 120000) {
        const bool ended = endsWithin(process, timeout_ms);
        Result r{ended && process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
                 process.readAllStandardOutput(), process.readAllStandardError()};
        if (!ended)
            r.err.prepend(QByteArray("[the run had not ended after ") +
                          QByteArray::number(timeout_ms / 1000) + " s] ");
        else if (process.exitStatus() != QProcess::NormalExit)
            r.err.prepend(QByteArray("[the run was killed by a signal] "));
        return r;
    }
};

bool waitForDone(const QString& stash, long long at_least, int ms = 60000) {
    return waitFor([&] { return QFileInfo::exists(stash) && countsOf(stash).done >= at_least; },
                   ms);
}

} // namespace

class TestJobs : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyKeyExactlyOnce_data() {
        QTest::addColumn<QString>("stashName");
        QTest::newRow("sqlite") << "job.db";
        QTest::newRow("folder") << "job-folder/";
    }
    void everyKeyExactlyOnce() {
        QFETCH(QString, stashName);
        QTemporaryDir dir;
        const QString log = dir.filePath("log.txt");
        const QString stash = dir.filePath(stashName);
        const Result r =
            runTool("throttlectl", {"job", "run", "--range", "300", "--shell", "--command",
                                    QStringLiteral("echo {} >> '%1'").arg(log), "--stash", stash,
                                    "--workers", "2", "--chunk-size", "7", "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject o = json(r);
        QCOMPARE(o["done"].toInt(), 300);
        QCOMPARE(o["missing"].toInt(), 1 - 1);
        QFile f(log);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 300);
        std::set<int> seen;
        for (const QByteArray& l : lines)
            seen.insert(l.toInt());
        QCOMPARE(int(seen.size()), 300); // no key twice
        QCOMPARE(*seen.begin(), 0);
        QCOMPARE(*seen.rbegin(), 299);
        const jobs::StashCounts c = countsOf(stash);
        QCOMPARE(c.done, 300);
        QCOMPARE(c.missing, 0);
        // A second run has nothing to do and runs nothing.
        const Result again =
            runTool("throttlectl",
                    {"job", "run", "--range", "300", "--shell", "--command",
                     QStringLiteral("echo {} >> '%1'").arg(log), "--stash", stash, "--json"});
        QCOMPARE(again.code, 0);
        QCOMPARE(json(again)["to_do"].toInt(), 0);
        QVERIFY(f.seek(0));
        QCOMPARE(f.readAll().trimmed().split('\n').size(), 300);
    }

    // The acceptance run: 10,000 items of `true {}` at 500/s, interrupted by a SIGKILL
    // of the whole run, then resumed: the second run does exactly the missing keys.
    void tenThousandAtFiveHundredInterruptedAndResumed() {
        QTemporaryDir dir;
        const QString stash = dir.filePath("big.db");
        const QString name = uniqueName("job");
        const QStringList args{"--range",   "10000",   "--command",    "true {}", "--stash",
                               stash,       "--max-n", "500",          "--per",   "1",
                               "--workers", "2",       "--chunk-size", "100"};
        std::vector<qint64> workers;
        {
            BackgroundJob first(args, name);
            QVERIFY(waitForDone(stash, 1000));
            workers = first.workerPids();
            QVERIFY(!workers.empty());
            ::kill(pid_t(first.process.processId()), SIGKILL);
            first.finish();
        }
        // No orphans: the workers notice their coordinator is gone.
        for (qint64 pid : workers)
            QVERIFY2(waitFor([&] { return !pidAlive(pid); }, 3000), "a worker outlived its run");
        const jobs::StashCounts after_kill = countsOf(stash);
        QCOMPARE(after_kill.total, 10000);
        QVERIFY(after_kill.done >= 1000);
        QVERIFY(after_kill.missing > 0);
        QCOMPARE(after_kill.done + after_kill.missing, 10000);

        // Same name, same stash: the dead run's segment and lock are taken over. Its 9000 or
        // so keys take 18 s at 500/s, each a process started. Under ASan beside the rest of
        // the suite it once failed with its stderr ending at the start line, most likely the
        // 120 s hang guard: this one allows 300 s, and says so if it is reached.
        BackgroundJob second(args, name);
        const Result r = second.finish(300000);
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject o = json(r);
        QCOMPARE(o["to_do"].toInt(), int(after_kill.missing));
        QCOMPARE(o["already_stored"].toInt(), int(after_kill.done));
        QCOMPARE(o["done"].toInt(), int(after_kill.missing));
        // It ran under the limit (a generous bound: the point is it was limited at all).
        QVERIFY(o["rate"].toDouble() < 500 * 1.2);
        const jobs::StashCounts end = countsOf(stash);
        QCOMPARE(end.done, 10000);
        QCOMPARE(end.missing, 0);
    }

    void workerKilledMidJobEndsTheRunAndItsKeysStayMissing() {
        QTemporaryDir dir;
        const QString stash = dir.filePath("kill.db");
        const QString name = uniqueName("jobkill");
        const QStringList args{"--range", "1500", "--command", "true", "--stash",   stash,
                               "--max-n", "500",  "--per",     "1",    "--workers", "2"};
        BackgroundJob run(args, name);
        QVERIFY(waitForDone(stash, 50));
        const auto workers = run.workerPids();
        QVERIFY(workers.size() == 2);
        ::kill(pid_t(workers.front()), SIGKILL);
        const Result r = run.finish(60000); // never a hang
        QCOMPARE(r.code, 1);
        const QJsonObject o = json(r);
        QVERIFY(o["lost"].toInt() > 0);
        QCOMPARE(o["missing"].toInt(), o["lost"].toInt());
        QVERIFY(r.err.contains("was killed"));

        BackgroundJob resume(args, name);
        const Result r2 = resume.finish();
        QVERIFY2(r2.code == 0, r2.err.constData());
        QCOMPARE(json(r2)["to_do"].toInt(), o["missing"].toInt());
        QCOMPARE(countsOf(stash).done, 1500);
    }

    void aKilledWorkerIsReplacedForTheChunksNobodyHolds() {
        QTemporaryDir dir;
        const QString stash = dir.filePath("replace.db");
        const QString name = uniqueName("jobrep");
        BackgroundJob run({"--range", "400", "--command", "true", "--stash", stash, "--max-n",
                           "200", "--per", "1", "--workers", "1", "--chunk-size", "50"},
                          name);
        QVERIFY(waitForDone(stash, 60));
        const auto workers = run.workerPids();
        QCOMPARE(int(workers.size()), 1);
        ::kill(pid_t(workers.front()), SIGKILL);
        const Result r = run.finish(60000);
        QCOMPARE(r.code, 1); // keys of the killed chunk are missing
        const QJsonObject o = json(r);
        QVERIFY(r.err.contains("replaced"));
        QVERIFY(o["lost"].toInt() > 0 && o["lost"].toInt() <= 50);
        QCOMPARE(o["missing"].toInt(), o["lost"].toInt());
        QCOMPARE(o["done"].toInt(), 400 - o["lost"].toInt());
    }

    void ctrlCEndsTheRunCleanly() {
        QTemporaryDir dir;
        const QString stash = dir.filePath("int.db");
        const QString name = uniqueName("jobint");
        BackgroundJob run({"--range", "1000", "--command", "sleep 0.01", "--stash", stash,
                           "--max-n", "20", "--per", "1", "--workers", "2"},
                          name);
        QVERIFY(waitForDone(stash, 5));
        const auto workers = run.workerPids();
        ::kill(pid_t(run.process.processId()), SIGINT);
        const Result r = run.finish(20000);
        QCOMPARE(r.code, 1);
        const QJsonObject o = json(r);
        QVERIFY(o["cancelled"].toBool());
        QVERIFY(o["done"].toInt() >= 5);
        QCOMPARE(o["missing"].toInt(), 1000 - o["done"].toInt() - o["failed"].toInt());
        for (qint64 pid : workers)
            QVERIFY(waitFor([&] { return !pidAlive(pid); }, 3000));
        QString error;
        QVERIFY2(!ThrottleClient::attach(name, AttachAs::Observer, &error),
                 "the job's throttle outlived it");
    }

    // A job can share a running throttle's budget with whatever else takes from it.
    void attachSharesARunningThrottle() {
        QTemporaryDir dir;
        const QString name = uniqueName("shared");
        QProcess owner;
        owner.start(exe("throttlectl"), {"run", "--name", name, "--max-n", "100", "--per", "1",
                                         "--workers", "0", "--duration", "60"});
        std::unique_ptr<ThrottleClient> observer;
        QVERIFY(waitFor(
            [&] {
                QString error;
                observer = ThrottleClient::attach(name, AttachAs::Observer, &error);
                return observer != nullptr && observer->runInfo().running;
            },
            10000));
        const std::uint64_t before = observer->runInfo().granted;
        const Result r =
            runTool("throttlectl", {"job", "run", "--range", "60", "--command", "true", "--attach",
                                    name, "--stash", dir.filePath("a.db"), "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(json(r)["done"].toInt(), 60);
        QCOMPARE(json(r)["limit_rate"].toDouble(), 100.0);
        QVERIFY(observer->runInfo().granted - before >= 60); // every item took a permit
        QVERIFY(observer->runInfo().running);                // and the throttle is still there
        observer.reset();
        owner.kill();
        owner.waitForFinished();
    }

    void noTornResultsAfterAKillDuringWrites_data() {
        QTest::addColumn<QString>("stashName");
        QTest::addColumn<QString>("keys");
        QTest::newRow("sqlite") << "torn.db"
                                << "20000";
        // Fewer keys: a folder stash fsyncs each file and its folder, about 2,000 results/s.
        QTest::newRow("folder") << "torn/"
                                << "6000";
    }
    void noTornResultsAfterAKillDuringWrites() {
        QFETCH(QString, stashName);
        QFETCH(QString, keys);
        QTemporaryDir dir;
        const QString stash = dir.filePath(stashName);
        const QStringList args{"--range", keys,        "--synthetic", "none",         "--stash",
                               stash,     "--workers", "2",           "--chunk-size", "50"};
        {
            // Unlimited: the coordinator is writing all the time when it dies.
            BackgroundJob run(args);
            QVERIFY(waitForDone(stash, 500));
            ::kill(pid_t(run.process.processId()), SIGKILL);
            run.finish();
        }
        const jobs::StashCounts c = countsOf(stash);
        QVERIFY(c.done >= 500);
        QCOMPARE(c.failed, 0);
        // Every stored record verifies; the resumed run completes the rest.
        const Result r =
            runTool("throttlectl", QStringList{"job", "run", "--invalidate", "--json"} + args);
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject o = json(r);
        QCOMPARE(o["invalidated_dropped"].toInt(), 0);
        QCOMPARE(o["already_stored"].toInt(), int(c.done));
        QCOMPARE(countsOf(stash).done, keys.toInt());
    }

    void editedRecordIsDroppedByInvalidate() {
        QTemporaryDir dir;
        const QString stash = dir.filePath("edit/");
        const QStringList args{"--range", "5", "--command", "echo", "--stash", stash};
        QCOMPARE(runTool("throttlectl", QStringList{"job", "run"} + args).code, 0);
        // Half a record, as a crash in a lesser store would leave it.
        QFile f(QDir(stash).filePath("results/3.json"));
        QVERIFY(f.open(QIODevice::ReadWrite));
        const QByteArray whole = f.readAll();
        QVERIFY(f.resize(0));
        f.write(whole.left(whole.size() / 2));
        f.close();
        QCOMPARE(countsOf(stash).missing, 1); // a torn record never counts as done
        const Result r =
            runTool("throttlectl", QStringList{"job", "run", "--invalidate", "--json"} + args);
        QCOMPARE(r.code, 0);
        QCOMPARE(json(r)["invalidated_dropped"].toInt(), 1);
        QCOMPARE(json(r)["done"].toInt(), 1);
        QCOMPARE(countsOf(stash).done, 5);
    }

    void failuresAreListedAndReprocessed() {
        QTemporaryDir dir;
        const QString marker = dir.filePath("broken");
        QFile(marker).open(QIODevice::WriteOnly);
        const QString stash = dir.filePath("fail.db");
        const QStringList args{
            "--range",
            "30",
            "--shell",
            "--command",
            QStringLiteral("test ! -e '%1' || { echo down >&2; exit 4; }").arg(marker),
            "--stash",
            stash,
            "--json"};
        const Result r = runTool("throttlectl", QStringList{"job", "run"} + args);
        QCOMPARE(r.code, 1);
        QCOMPARE(json(r)["failed"].toInt(), 30);
        const Result listed =
            runTool("throttlectl", {"job", "failures", "--stash", stash, "--json"});
        QCOMPARE(listed.code, 0);
        const QJsonArray failures = QJsonDocument::fromJson(listed.out).array();
        QCOMPARE(failures.size(), 30);
        QCOMPARE(failures[0].toObject()["key"].toString(), QString("0"));
        QCOMPARE(failures[0].toObject()["exit_code"].toInt(), 4);
        QVERIFY(failures[0].toObject()["error"].toString().contains("down"));
        // Failures are results: a plain rerun leaves them alone.
        QCOMPARE(json(runTool("throttlectl", QStringList{"job", "run"} + args))["to_do"].toInt(),
                 0);
        QFile::remove(marker);
        const Result again =
            runTool("throttlectl", QStringList{"job", "run", "--reprocess-failures"} + args);
        QCOMPARE(again.code, 0);
        QCOMPARE(json(again)["to_do"].toInt(), 30);
        QCOMPARE(json(again)["done"].toInt(), 30);
        QCOMPARE(countsOf(stash).failed, 0);
        const QString csv = dir.filePath("out.csv");
        QCOMPARE(runTool("throttlectl", {"job", "export", "--stash", stash, "--csv", csv}).code, 0);
        QFile c(csv);
        QVERIFY(c.open(QIODevice::ReadOnly));
        const QList<QByteArray> rows = c.readAll().trimmed().split('\n');
        QCOMPARE(rows.size(), 31);
        QVERIFY(rows[0].startsWith("key,ok,exit_code"));
        QVERIFY(rows[1].startsWith("0,1,0,0,0,"));
        QVERIFY(rows[1].contains(",2,")); // two attempts
    }

    void stopIfErrorEndsAtTheFirstFailure() {
        QTemporaryDir dir;
        const QString stash = dir.filePath("stop.db");
        const Result r =
            runTool("throttlectl", {"job", "run", "--range", "1000", "--shell", "--command",
                                    "test {} -lt 50", "--stash", stash, "--workers", "1",
                                    "--chunk-size", "10", "--stop-if-error", "--json"});
        QCOMPARE(r.code, 1);
        const QJsonObject o = json(r);
        QVERIFY(o["stopped_on_error"].toBool());
        // One worker, keys in order: 0..49 pass, 50 fails and the run ends. An item the
        // worker finished while the stop reached it is kept (it was done), so "a few".
        QCOMPARE(o["done"].toInt(), 50);
        QVERIFY(o["failed"].toInt() >= 1 && o["failed"].toInt() <= 5);
        QCOMPARE(o["missing"].toInt(), 1000 - 50 - o["failed"].toInt());
    }

    void aStuckItemTimesOut() {
        QTemporaryDir dir;
        const QString stash = dir.filePath("slow.db");
        const Result r =
            runTool("throttlectl", {"job", "run", "--range", "2", "--command", "sleep 30",
                                    "--timeout", "0.3", "--stash", stash, "--json"});
        QCOMPARE(r.code, 1);
        QCOMPARE(json(r)["failed"].toInt(), 2);
        const QJsonArray f =
            QJsonDocument::fromJson(
                runTool("throttlectl", {"job", "failures", "--stash", stash, "--json"}).out)
                .array();
        QCOMPARE(f.size(), 2);
        QVERIFY(f[0].toObject()["timed_out"].toBool());
    }

    void outputIsKeptAndCapped() {
        QTemporaryDir dir;
        const QString stash = dir.filePath("out.db");
        QCOMPARE(runTool("throttlectl", {"job", "run", "--range", "3", "--command",
                                         "printf 'hello %s, this is long' {}", "--max-output", "8",
                                         "--stash", stash})
                     .code,
                 0);
        QString error;
        auto s = jobs::Stash::open(stash, jobs::StashFormat::Sqlite,
                                   jobs::Stash::Access::ExistingReadOnly, &error);
        QVERIFY(s);
        std::vector<jobs::ItemResult> all;
        s->forEachResult([&](const jobs::ItemResult& r) { all.push_back(r); });
        QCOMPARE(int(all.size()), 3);
        QCOMPARE(all[2].output, QByteArray("hello 2,"));
        QVERIFY(all[2].output_truncated);
    }

    void badInputIsOneLineAndExitTwo_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        const QStringList base{"job", "run", "--range", "10", "--command", "true"};
        QTest::newRow("missing items file")
            << QStringList{"job",       "run",  "--items", "/nonexistent/items.txt",
                           "--command", "true", "--stash", "S"}
            << "--items";
        QTest::newRow("no items") << QStringList{"job", "run", "--command", "true"} << "--items";
        QTest::newRow("empty command")
            << QStringList{"job", "run", "--range", "10", "--command", " "} << "--command";
        QTest::newRow("unknown program")
            << QStringList{"job", "run", "--range", "10", "--command", "no-such-prog-q {}"}
            << "not found";
        QTest::newRow("unterminated quote")
            << QStringList{"job", "run", "--range", "10", "--command", "echo 'x"} << "quote";
        QTest::newRow("unwritable stash")
            << base + QStringList{"--stash", "/proc/x/job.db"} << "--stash";
        QTest::newRow("no stash") << base << "--stash";
        QTest::newRow("bad workers")
            << base + QStringList{"--stash", "S", "--workers", "2.0"} << "--workers";
        QTest::newRow("bad chunk")
            << base + QStringList{"--stash", "S", "--chunk-size", "-1"} << "--chunk-size";
        QTest::newRow("bad range")
            << QStringList{"job", "run", "--range", "5:1", "--command", "true", "--stash", "S"}
            << "--range";
        QTest::newRow("bad limit")
            << base + QStringList{"--stash", "S", "--max-n", "0"} << "--max-n";
        QTest::newRow("per without max-n")
            << base + QStringList{"--stash", "S", "--per", "2"} << "--max-n";
        QTest::newRow("bad timeout")
            << base + QStringList{"--stash", "S", "--timeout", "0"} << "--timeout";
        QTest::newRow("bad fail rate")
            << QStringList{"job",  "run",         "--range", "3",       "--synthetic",
                           "none", "--fail-rate", "2",       "--stash", "S"}
            << "--fail-rate";
        QTest::newRow("attach to nothing")
            << base + QStringList{"--stash", "S", "--attach", "no-such-throttle-q"} << "--attach";
        QTest::newRow("a limit and attach")
            << base + QStringList{"--stash", "S", "--attach", "other", "--max-n", "5"}
            << "--attach shares a running throttle's limit";
        QTest::newRow("unknown subcommand") << QStringList{"job", "fly"} << "fly";
        QTest::newRow("status of nothing")
            << QStringList{"job", "status", "--stash", "/nonexistent/s.db"} << "--stash";
    }
    void badInputIsOneLineAndExitTwo() {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        QTemporaryDir dir;
        QDir::setCurrent(dir.path()); // "S" is a stash path that must not appear
        verifyRefusedAsBadInput(runTool("throttlectl", args), mentions, dir.path());
    }

    void stashesOfSomethingElseAreRefused() {
        QTemporaryDir dir;
        const QString other_job = dir.filePath("other.db");
        QCOMPARE(runTool("throttlectl",
                         {"job", "run", "--range", "3", "--command", "true", "--stash", other_job})
                     .code,
                 0);
        const QString text = dir.filePath("notes.txt");
        QFile t(text);
        QVERIFY(t.open(QIODevice::WriteOnly));
        t.write("not a database\n");
        t.close();
        const QString foreign = dir.filePath("foreign.db");
        {
            QSqlDatabase db = QSqlDatabase::addDatabase("QSQLITE", "foreign");
            db.setDatabaseName(foreign);
            QVERIFY(db.open());
            QSqlQuery(db).exec("CREATE TABLE customers(id INTEGER)");
            db.close();
        }
        QSqlDatabase::removeDatabase("foreign");
        const QString busy = dir.filePath("busy.db");
        QCOMPARE(runTool("throttlectl",
                         {"job", "run", "--range", "3", "--command", "echo", "--stash", busy})
                     .code,
                 0);
        QLockFile held(busy + ".lock");
        QVERIFY(held.tryLock(0));
        const QList<QPair<QString, QString>> cases{{other_job, "another job"},
                                                   {text, "not a ThrottleLab stash"},
                                                   {foreign, "something else"},
                                                   {busy, "in use"}};
        for (const auto& [stash, mentions] : cases) {
            const QByteArray before = [&] {
                QFile f(stash);
                f.open(QIODevice::ReadOnly);
                return f.readAll();
            }();
            const Result r = runTool("throttlectl", {"job", "run", "--range", "3", "--command",
                                                     "echo", "--stash", stash});
            // A stash in use is a failure (it works once the other run ends), not bad input.
            QCOMPARE(r.code, stash == busy ? 1 : 2);
            QVERIFY2(r.err.contains(mentions.toUtf8()), r.err.constData());
            QFile f(stash);
            f.open(QIODevice::ReadOnly);
            if (stash == text || stash == foreign)
                QCOMPARE(f.readAll(), before); // nothing written into somebody else's file
        }
    }
};

QTEST_GUILESS_MAIN(TestJobs)
#include "tst_jobs.moc"
