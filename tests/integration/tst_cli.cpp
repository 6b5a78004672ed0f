// throttlectl and the worker as a user runs them: bad input, a whole run, inspect / set /
// stop on a running throttle, the permit log, and the C and Python interfaces.
#include "shared_segment.h"
#include "test_support.h"
#include "throttle_client.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <unistd.h>

using namespace throttlelab;
using namespace testsupport;

namespace {

// A `throttlectl run` in the background, and an observer attached to it.
struct BackgroundRun {
    QString name;
    QProcess process;
    std::unique_ptr<ThrottleClient> observer;

    explicit BackgroundRun(const QStringList& extra, const char* what = "bg")
        : name(uniqueName(what)) {
        process.start(exe("throttlectl"), QStringList{"run", "--name", name, "--json"} + extra);
        process.waitForStarted();
        waitFor(
            [&] {
                QString error;
                observer = ThrottleClient::attach(name, AttachAs::Observer, &error);
                return observer != nullptr && observer->runInfo().running;
            },
            10000);
    }
    ~BackgroundRun() {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished();
        }
    }
    QJsonObject finish() {
        process.waitForFinished(30000);
        return QJsonDocument::fromJson(process.readAllStandardOutput()).object();
    }
};

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void badInputIsOneLineAndExitTwo_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("max-n 0") << QStringList{"run", "--max-n", "0"} << "--max-n";
        QTest::newRow("max-n negative") << QStringList{"run", "--max-n", "-4"} << "--max-n";
        QTest::newRow("max-n fraction") << QStringList{"run", "--max-n", "2.5"} << "--max-n";
        QTest::newRow("max-n missing") << QStringList{"run", "--per", "1"} << "--max-n";
        QTest::newRow("per 0") << QStringList{"run", "--max-n", "4", "--per", "0"} << "--per";
        QTest::newRow("per NaN") << QStringList{"run", "--max-n", "4", "--per", "nan"} << "--per";
        QTest::newRow("per text") << QStringList{"run", "--max-n", "4", "--per", "soon"} << "--per";
        QTest::newRow("hardcap typo")
            << QStringList{"run", "--max-n", "4", "--hardcap", "limt"} << "--hardcap";
        QTest::newRow("mode unknown")
            << QStringList{"run", "--max-n", "4", "--mode", "fast"} << "--mode";
        QTest::newRow("correction 1")
            << QStringList{"run", "--max-n", "4", "--correction", "1"} << "--correction";
        QTest::newRow("correction -0.5")
            << QStringList{"run", "--max-n", "4", "--correction", "-0.5"} << "--correction";
        QTest::newRow("rf-rate 0")
            << QStringList{"run", "--max-n", "4", "--rf-rate", "0"} << "--rf-rate";
        // Used to be stored as 0 ns, after which every later `set` failed.
        QTest::newRow("rf-rate 1e-10")
            << QStringList{"run", "--max-n", "4", "--rf-rate", "1e-10"} << "--rf-rate";
        QTest::newRow("unknown option") << QStringList{"run", "--max-n", "4", "--turbo"} << "turbo";
        QTest::newRow("work profile")
            << QStringList{"run", "--max-n", "4", "--work", "gauss:5ms"} << "--work";
        QTest::newRow("workers") << QStringList{"run", "--max-n", "4", "--workers", "-1"}
                                 << "--workers";
        QTest::newRow("name") << QStringList{"run", "--max-n", "4", "--name", "a/b"} << "name";
        QTest::newRow("duration") << QStringList{"run", "--max-n", "4", "--duration", "0"}
                                  << "--duration";
        QTest::newRow("unknown command") << QStringList{"launch"} << "unknown command";
        QTest::newRow("inspect not running")
            << QStringList{"inspect", "nobody-runs-this"} << "nobody-runs-this";
        QTest::newRow("set not running")
            << QStringList{"set", "nobody-runs-this", "--max-n", "3"} << "no throttle named";
        QTest::newRow("stop not running")
            << QStringList{"stop", "nobody-runs-this"} << "no throttle named";
        QTest::newRow("calibrate max-n")
            << QStringList{"calibrate", "--max-n", "zero"} << "--max-n";
        // The engine's checks reach every command in flag words (calibrate used to print
        // "--max_n/per" and run "--max_n" for the window bound).
        QTest::newRow("calibrate rate")
            << QStringList{"calibrate", "--max-n", "1000000000", "--per", "1"} << "--max-n/--per ";
        QTest::newRow("window bound")
            << QStringList{"run", "--max-n", "70000", "--hardcap", "window"} << "--max-n may be";
        QTest::newRow("name in flag words")
            << QStringList{"run", "--max-n", "4", "--name", "a b"} << "--name may hold only";
    }
    void badInputIsOneLineAndExitTwo() {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        const QString name = uniqueName("bad");
        if (args[0] == "run") {
            if (!args.contains("--duration"))
                args << "--duration"
                     << "30";
            if (!args.contains("--name")) args << "--name" << name;
        }
        const Result r = runTool("throttlectl", args);
        QCOMPARE(r.code, 2);
        const QByteArray err = r.err.trimmed();
        QVERIFY2(!err.contains('\n'), err.constData());
        QVERIFY2(err.contains(mentions.toUtf8()), err.constData());
        QVERIFY(r.out.isEmpty());
        QVERIFY(!SharedSegment::exists(name)); // nothing left behind
    }
    void workerRejectsBadInput() {
        Result r = runTool("throttle-worker", {"--name", "nobody-runs-this"});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("no throttle named"));
        r = runTool("throttle-worker", {"--name", "x", "--work", "fixed"});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("--work"));
        r = runTool("throttle-worker", {});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("--name"));
    }
    void everyCommandHasHelp() {
        for (const QStringList& args :
             {QStringList{"--help"}, QStringList{"run", "--help"},
              QStringList{"calibrate", "--help"}, QStringList{"inspect", "--help"},
              QStringList{"set", "--help"}, QStringList{"stop", "--help"},
              QStringList{"remove", "--help"}}) {
            const Result r = runTool("throttlectl", args);
            QCOMPARE(r.code, 0);
            QVERIFY(r.out.contains("Usage") || r.out.contains("usage"));
        }
        QCOMPARE(runTool("throttle-worker", {"--help"}).code, 0);
    }
    void tutorialRunReportsJson() {
        QTemporaryDir dir;
        const QString log = dir.filePath("log.csv");
        const Result r = runTool("throttlectl", {"run", "--max-n", "4", "--per", "1", "--workers",
                                                 "4", "--duration", "3", "--json", "--log", log,
                                                 "--name", uniqueName("tutorial")});
        QCOMPARE(r.code, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        for (const char* key : {"target_rate", "runtime_s", "total", "mean_rate", "latest", "mean",
                                "hi_lo", "lo_hi", "max_in_window", "correction", "helper_cpu_s"})
            QVERIFY2(o.contains(key), key);
        QCOMPARE(o["target_rate"].toDouble(), 4.0);
        const int total = o["total"].toInt();
        // One permit at once, then 4 per second of the run, whatever the machine's load
        // stretched the run to.
        const double expected = 1 + 4 * o["runtime_s"].toDouble();
        QVERIFY2(
            std::abs(total - expected) <= 2.0,
            qPrintable(QStringLiteral("%1 in %2 s").arg(total).arg(o["runtime_s"].toDouble())));
        QVERIFY(o["hi_lo"].toObject()["interval_s"].toDouble() >=
                o["lo_hi"].toObject()["interval_s"].toDouble());
        QVERIFY(o["helper_cpu_s"].toDouble() > 0);
        qsizetype rows = 0;
        grantTimes(log, &rows);
        QCOMPARE(rows, qsizetype(total)); // one row per permit the monitor saw
    }
    void inspectSetStopAndOutsideWorkers() {
        QTemporaryDir dir;
        const QString log = dir.filePath("log.csv");
        BackgroundRun run({"--max-n", "20", "--workers", "0", "--log", log}, "ctl");
        QVERIFY(run.observer);
        // A worker started separately joins, and shows up in inspect.
        QProcess worker;
        worker.start(exe("throttle-worker"), {"--name", run.name});
        QVERIFY(waitFor([&] { return run.observer->workers().size() == 1; }, 5000));
        Result r = runTool("throttlectl", {"set", run.name, "--max-n", "50", "--hardcap", "window",
                                           "--mode", "classic", "--correction", "0.1", "--json"});
        QCOMPARE(r.code, 0);
        const ThrottleConfig c = run.observer->config();
        QCOMPARE(c.max_n, 50LL);
        QVERIFY(c.hardcap == Hardcap::Window);
        QVERIFY(c.mode == PacingMode::Classic);
        QCOMPARE(c.correction, 0.1);
        r = runTool("throttlectl", {"set", run.name, "--correction", "2"});
        QCOMPARE(r.code, 2);
        QCOMPARE(run.observer->config().correction, 0.1); // a refused change changes nothing
        r = runTool("throttlectl", {"inspect", run.name, "--json"});
        QCOMPARE(r.code, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o["workers"].toArray().size(), 1);
        QCOMPARE(o["workers"].toArray()[0].toObject()["pid"].toInteger(), worker.processId());
        QCOMPARE(o["config"].toObject()["hardcap"].toString(), QString("window"));
        QVERIFY(waitFor([&] { return run.observer->stats().total >= 10; }, 5000));
        r = runTool("throttlectl", {"stop", run.name});
        QCOMPARE(r.code, 0);
        const QJsonObject summary = run.finish();
        QCOMPARE(run.process.exitCode(), 0);
        QVERIFY(endsWithin(worker, 5000)); // the kill flag ended the outside worker
        QCOMPARE(worker.exitCode(), 0);
        qsizetype rows = 0;
        grantTimes(log, &rows);
        QVERIFY(rows >= 10);
        QCOMPARE(double(rows), summary["total"].toDouble());
        run.observer.reset();
        QVERIFY(waitFor([&] { return !SharedSegment::exists(run.name); }, 3000));
    }
    void calibrateReportsItsMeasurements() {
        const Result r =
            runTool("throttlectl", {"calibrate", "--max-n", "500", "--duration", "0.6", "--json"});
        QCOMPARE(r.code, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o["target_rate"].toDouble(), 500.0);
        QVERIFY(o["uncorrected_rate"].toDouble() > 0);
        QVERIFY(o["corrected_rate"].toDouble() > 0);
        QVERIFY(o["correction"].toDouble() >= 0 && o["correction"].toDouble() < 1);
        QVERIFY(o.contains("reference_correction"));
    }
    void cWorkerTakesPermits() {
        BackgroundRun run({"--max-n", "200", "--workers", "0"}, "capi");
        QVERIFY(run.observer);
        const Result r = runTool("c_worker", {run.name, "20"});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.trimmed(), QByteArray("20"));
        QVERIFY(run.observer->runInfo().granted >= 20);
        QCOMPARE(runTool("c_worker", {"nobody-runs-this", "1"}).code, 2);
    }
    // The permit log on a filesystem that fills up: it used to be cut mid-row, with exit 0
    // and no message.
    void logOnAFullDiskFailsLoudlyAndKeepsWholeRows() {
        QTemporaryDir dir;
        Tmpfs disk(dir.filePath("small"), "64k");
        if (!disk.mounted) QSKIP("mounting a small tmpfs needs root");
        const QString log = disk.path + "/permits.csv";
        const Result r =
            runTool("throttlectl", {"run", "--name", uniqueName("full-log"), "--max-n", "20000",
                                    "--workers", "2", "--duration", "2", "--log", log});
        QFile f(log);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        f.close();
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("No space left on device") && r.err.contains("--log"),
                 r.err.constData());
        QVERIFY(bytes.endsWith('\n'));
        const QList<QByteArray> rows = bytes.split('\n');
        QVERIFY(rows.size() > 100);
        for (qsizetype i = 1; i + 1 < rows.size(); ++i)
            QVERIFY2(rows[i].count(',') == 2, rows[i].constData());
    }
    void pythonWorkerTakesPermits() {
        const QString python = QStandardPaths::findExecutable("python3");
        if (python.isEmpty()) QSKIP("python3 is not installed");
#ifdef THROTTLELAB_SANITIZED
        QSKIP("a sanitized libthrottlelab.so cannot load into an uninstrumented python3");
#endif
        BackgroundRun run({"--max-n", "200", "--workers", "0"}, "py");
        QVERIFY(run.observer);
        QProcess p;
        p.start(python, {QStringLiteral(THROTTLELAB_EXAMPLES_DIR) + "/python_worker.py", run.name,
                         "15", QStringLiteral(THROTTLELAB_LIB_PATH)});
        QVERIFY(endsWithin(p, 30000));
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(p.readAllStandardOutput().trimmed(), QByteArray("15"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
