// `throttlectl bench --quick` as CI runs it: it completes and writes every artefact. It
// asserts nothing about the figures themselves: timings belong to the benchmark, not a test.
#include "test_support.h"

#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

// Whether this is the ThreadSanitizer build (GCC defines the first, clang has the second).
#if defined(__SANITIZE_THREAD__)
#define THREAD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define THREAD_SANITIZED 1
#endif
#endif
#ifndef THREAD_SANITIZED
#define THREAD_SANITIZED 0
#endif

using namespace testsupport;

class TestBenchSmoke : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void quickBenchWritesJsonMarkdownAndPlots() {
        QTemporaryDir dir;
        const QString json = dir.filePath("bench.json");
        const QString md = dir.filePath("bench.md");
        const QString plots = dir.filePath("plots");
        QStringList args{"bench", "--quick", "--json", json, "--markdown", md};
#if !THREAD_SANITIZED
        // The plots are Qt Gui's raster painting: under TSan each pixel row written by Qt's own
        // (uninstrumented) threads is a race report to weigh, and four PNGs took three minutes.
        // The plain build renders and checks them.
        args << "--plots" << plots;
#endif
        const Result r = runTool("throttlectl", args, 300000);
        QVERIFY2(r.code == 0, r.err.constData());
        QFile f(json);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        for (const char* key :
             {"accuracy", "sweep", "fairness", "window", "latency", "cpu", "micro"})
            QVERIFY2(!o[key].toArray().isEmpty(), key);
        QVERIFY(o["ceilings"].toObject()["permits_per_s_2proc"].toDouble() > 0);
        // The window hardcap never let more than max_n through, in any phase.
        for (const QJsonValue& v : o["window"].toArray())
            if (v.toObject()["hardcap"].toString() == "window")
                QCOMPARE(v.toObject()["windows_over"].toInt(), 0);
        QVERIFY(QFileInfo(md).size() > 500);
#if !THREAD_SANITIZED
        for (const char* png : {"accuracy.png", "sweep.png", "latency.png", "cpu.png"}) {
            const QImage image(QDir(plots).filePath(png));
            QVERIFY2(!image.isNull() && image.width() >= 600, png);
        }
#endif
        QVERIFY(runTool("throttlectl", {"bench", "--json", "/nonexistent-dir/x.json"}).code == 2);
    }
};

QTEST_GUILESS_MAIN(TestBenchSmoke)
#include "tst_bench_smoke.moc"
