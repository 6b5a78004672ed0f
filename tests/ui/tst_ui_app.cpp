// The built application end to end: bad command lines exit 2 with one line on stderr, and
// --screenshot runs, writes a PNG with plots, quits, and leaves no process behind (with
// --view jobs, after a short demo job).
#include "ui_test_support.h"

#include <QCoreApplication>
#include <QDir>
#include <QImage>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace throttlelab::ui::test;

namespace {

QString app() {
    return QCoreApplication::applicationDirPath() + QStringLiteral("/throttlelab");
}

// Processes whose command line mentions `needle` (the unique throttle name).
QList<qint64> processesMentioning(const QString& needle) {
    QList<qint64> out;
    const QDir proc(QStringLiteral("/proc"));
    for (const QString& entry : proc.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool ok = false;
        const qint64 pid = entry.toLongLong(&ok);
        if (!ok || pid == QCoreApplication::applicationPid()) continue;
        QFile f(proc.filePath(entry + QStringLiteral("/cmdline")));
        if (!f.open(QIODevice::ReadOnly)) continue;
        if (QString::fromLocal8Bit(f.readAll().replace('\0', ' ')).contains(needle)) out << pid;
    }
    return out;
}

} // namespace

class TestApp : public QObject {
    Q_OBJECT
    // `throttlelab --screenshot PNG --quit-after 3 --name NAME EXTRA...`, as the README's
    // screenshots are made.
    void startScreenshotRun(QProcess& p, const QString& png, const QString& name,
                            const QStringList& extra) {
        p.start(app(),
                QStringList{QStringLiteral("--screenshot"), png, QStringLiteral("--quit-after"),
                            QStringLiteral("3"), QStringLiteral("--name"), name} +
                    extra);
    }

private Q_SLOTS:
    void badCommandLine_data() {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("unknown option") << QStringList{"--bogus"};
        QTest::newRow("unknown preset") << QStringList{"--preset", "nope"};
        QTest::newRow("missing file") << QStringList{"--open", "/nonexistent.json"};
        QTest::newRow("bad quit-after") << QStringList{"--quit-after", "x"};
    }
    void badCommandLine() {
        QFETCH(QStringList, args);
        QProcess p;
        p.start(app(), args);
        QVERIFY(p.waitForFinished(20000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 2);
        const QString err = QString::fromLocal8Bit(p.readAllStandardError()).trimmed();
        QVERIFY2(err.startsWith(QLatin1String("throttlelab: ")), qPrintable(err));
        QCOMPARE(err.count(u'\n'), 0);
    }

    void help() {
        QProcess p;
        p.start(app(), {QStringLiteral("--help")});
        QVERIFY(p.waitForFinished(20000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(p.readAllStandardOutput().contains("--screenshot"));
    }

    void screenshotRunLeavesNothingBehind() {
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("main.png"));
        const QString name = uniqueName("app");
        QProcess p;
        startScreenshotRun(p, png, name,
                           {QStringLiteral("--preset"), QStringLiteral("slow-workers")});
        QVERIFY(p.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(processesMentioning(name).size() >= 3,
                                 10000); // helpers and workers run
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        QImage img(png);
        QVERIFY(!img.isNull());
        QVERIFY(img.width() >= 800);
        QSet<QRgb> colours;
        for (int y = 0; y < img.height(); y += 3)
            for (int x = 0; x < img.width(); x += 3)
                colours.insert(img.pixel(x, y));
        QVERIFY(colours.size() > 50);
        QTRY_VERIFY_WITH_TIMEOUT(processesMentioning(name).isEmpty(), 5000);
    }

    void jobsScreenshotRunsADemoJob() {
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("jobs.png"));
        const QString name = uniqueName("appjobs");
        QProcess p;
        startScreenshotRun(p, png, name, {QStringLiteral("--view"), QStringLiteral("jobs")});
        QVERIFY(p.waitForStarted(10000));
        // The demo job's workers name their throttle job-<app pid>-<run>.
        const QString job_throttle = QStringLiteral(" job-%1-").arg(p.processId());
        QTRY_VERIFY_WITH_TIMEOUT(!processesMentioning(job_throttle).isEmpty(), 20000);
        QVERIFY(p.waitForFinished(90000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(QString::fromLocal8Bit(p.readAllStandardError()).contains(QLatin1String("saved")));
        QImage img(png);
        QVERIFY(!img.isNull());
        QVERIFY(img.width() >= 800);
        QTRY_VERIFY_WITH_TIMEOUT(processesMentioning(job_throttle).isEmpty(), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(processesMentioning(name).isEmpty(), 5000);
    }
};

QTEST_GUILESS_MAIN(TestApp)
#include "tst_ui_app.moc"
