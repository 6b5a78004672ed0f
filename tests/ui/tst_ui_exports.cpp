// The window's CSV exports over a real throttle: File > Record emissions makes the monitor
// log one row per permit from the next start, and Export emissions copies that log; the
// statistics-history export writes one well-formed row per history point.
#include "chart_panel.h"
#include "engine_session.h"
#include "event_log.h"
#include "main_window.h"
#include "saved_run.h"
#include "ui_test_support.h"

#include <QAction>
#include <QFile>
#include <QMenuBar>
#include <QSet>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace throttlelab;
using namespace throttlelab::ui;
using namespace throttlelab::ui::test;

namespace {

QAction* actionNamed(QWidget* w, const QString& text) {
    for (QAction* a : w->findChildren<QAction*>())
        if (a->text() == text) return a;
    return nullptr;
}

QList<QByteArray> readLines(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll().split('\n');
}

// Data rows of a complete CSV (ending in a newline): the header and the final empty piece
// are left out.
int dataRows(const QString& path) {
    const QList<QByteArray> lines = readLines(path);
    return lines.size() >= 2 ? int(lines.size()) - 2 : 0;
}

// Removes the recording the app leaves in the temp directory.
struct RemoveFile {
    QString path;
    ~RemoveFile() {
        if (!path.isEmpty()) QFile::remove(path);
    }
};

} // namespace

class TestExports : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { isolateSettings(); }

    void emissionsAreRecordedAndExported() {
        RemoveFile recording;
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString out = dir.filePath(QStringLiteral("emissions.csv"));
        MainWindow w(testOptions("emissions"));
        QVERIFY(w.session()->isRunning());
        QAction* record =
            actionNamed(&w, QStringLiteral("&Record emissions (from the next start)"));
        QVERIFY(record);
        QVERIFY(record->isCheckable() && !record->isChecked());

        // Not recording: the export refuses and says why.
        QVERIFY(!w.exportEmissionsCsv(out));
        QVERIFY(w.eventLog()->contains(QStringLiteral("no emissions recorded")));
        QVERIFY(!QFile::exists(out));

        record->trigger();
        QVERIFY(record->isChecked());
        const QString source = w.session()->emissionLog();
        recording.path = source;
        QVERIFY(!source.isEmpty());
        QFile::remove(source); // a leftover from an earlier run would be appended to
        QVERIFY(w.eventLog()->contains(source));

        ThrottleConfig c = w.session()->config();
        c.max_n = 200;
        c.per = 1;
        QCOMPARE(w.session()->applyConfig(c).message(), QString());
        QCOMPARE(w.session()->restart(), QString()); // recording starts with the next start
        QTRY_COMPARE_WITH_TIMEOUT(w.session()->ownWorkerPids().size(), 4, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(dataRows(source) >= 50, 20000);
        const QList<qint64> workers = w.session()->ownWorkerPids();

        QVERIFY(w.exportEmissionsCsv(out));
        QVERIFY(w.eventLog()->contains(QStringLiteral("exported emissions to %1").arg(out)));
        const QList<QByteArray> lines = readLines(out);
        QVERIFY(lines.size() >= 52);
        QCOMPARE(lines.first(), QByteArray("worker,grant_s,emit_s"));
        QVERIFY2(lines.last().isEmpty(), "the last row is complete");
        QSet<qint64> seen;
        for (qsizetype i = 1; i + 1 < lines.size(); ++i) {
            const QList<QByteArray> f = lines[i].split(',');
            QVERIFY2(f.size() == 3, lines[i].constData());
            bool ok_pid = false, ok_grant = false, ok_emit = false;
            const qint64 pid = f[0].toLongLong(&ok_pid);
            const double grant = f[1].toDouble(&ok_grant);
            const double emitted = f[2].toDouble(&ok_emit);
            QVERIFY2(ok_pid && ok_grant && ok_emit, lines[i].constData());
            // Every permit went to one of the session's workers (auto_emit: emitted at grant).
            QVERIFY2(workers.contains(pid), lines[i].constData());
            QVERIFY2(grant > 0 && emitted >= grant, lines[i].constData());
            seen.insert(pid);
        }
        QVERIFY(seen.size() >= 2);

        // Recording off: the next start writes nothing more to the old log.
        record->trigger();
        QVERIFY(!record->isChecked());
        QVERIFY(w.session()->emissionLog().isEmpty());
        QVERIFY(!w.exportEmissionsCsv(dir.filePath(QStringLiteral("again.csv"))));
    }

    void historyExportIsWellFormed() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        MainWindow w(testOptions("history"));
        w.show();
        ThrottleConfig c = w.session()->config();
        c.max_n = 50;
        c.per = 1;
        QCOMPARE(w.session()->applyConfig(c).message(), QString());
        ChartPanel* charts = w.chartPanel();
        const std::size_t before = charts->samplesKept();
        QTRY_VERIFY_WITH_TIMEOUT(charts->samplesKept() >= before + 20, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->stats().total > 0, 10000);

        const QString path = dir.filePath(QStringLiteral("history.csv"));
        QString error;
        QVERIFY2(charts->exportHistoryCsv(path, &error), qPrintable(error));
        const QList<QByteArray> lines = readLines(path);
        QCOMPARE(lines.first(),
                 QByteArray("t_s,latest_rate,mean_rate,hi_lo_rate,lo_hi_rate,target_rate,"
                            "available,total,marker"));
        QVERIFY(lines.last().isEmpty());
        const qsizetype rows = lines.size() - 2;
        QVERIFY(rows >= 20);
        double last_t = -1;
        long long last_total = -1;
        QList<double> last;
        QStringList markers;
        for (qsizetype i = 1; i + 1 < lines.size(); ++i) {
            QList<QByteArray> f = lines[i].split(',');
            QVERIFY2(f.size() >= 9, lines[i].constData());
            markers << QString::fromUtf8(f.mid(8).join(','));
            f = f.mid(0, 8);
            QList<double> v;
            for (const QByteArray& field : f) {
                bool ok = false;
                v << field.toDouble(&ok);
                QVERIFY2(ok, lines[i].constData());
            }
            // Time only moves on; the total only grows within the run.
            QVERIFY2(v[0] > last_t, lines[i].constData());
            QVERIFY2(v[7] >= double(last_total), lines[i].constData());
            for (int k : {1, 2, 3, 4, 5, 7})
                QVERIFY2(v[k] >= 0, lines[i].constData());
            last_t = v[0];
            last_total = (long long)v[7];
            last = v;
        }
        QCOMPARE(last[5], 50.0); // the target rate, as applied
        // The live change is a marker on the timeline, kept in the export.
        QVERIFY2(markers.join(u'|').contains(QLatin1String("max_n 4 -> 50")),
                 qPrintable(markers.join(u'|')));
        QVERIFY(last[7] > 0);

        QVERIFY(
            !charts->exportHistoryCsv(dir.filePath(QStringLiteral("no/such/dir/h.csv")), &error));
        QVERIFY(error.contains(QLatin1String("cannot write")));

        // The export, overlaid: drawn under the live run, from the live run's start.
        QCOMPARE(w.overlaySavedRun(path), QString());
        QVERIFY(charts->hasOverlay());
        QTRY_VERIFY_WITH_TIMEOUT(charts->drawnOverlayPoints() > 0, 5000);
        QVERIFY(w.eventLog()->contains(QStringLiteral("overlay: history.csv")));
        QCOMPARE(w.session()->startCleanRun(), QString()); // a preset keeps the overlay
        QTRY_VERIFY_WITH_TIMEOUT(charts->drawnOverlayPoints() > 0, 5000);
        charts->clearOverlay();
        QCOMPARE(charts->drawnOverlayPoints(), 0);
        // Not an export: refused in one line, reported in the app, the chart unchanged.
        const QString other = dir.filePath(QStringLiteral("other.csv"));
        QFile f(other);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("worker,grant_s,emit_s\n1,0.1,0.1\n");
        f.close();
        error = w.overlaySavedRun(other);
        QVERIFY2(error.contains(QLatin1String("not a history CSV exported by ThrottleLab")),
                 qPrintable(error));
        QVERIFY(!error.contains(u'\n'));
        QVERIFY(!charts->hasOverlay());
        QVERIFY(w.eventLog()->contains(QStringLiteral("overlay not shown")));
    }

    void savedRunsAreReadStrictly() {
        QString error;
        const auto run = parseSavedRun("t_s,latest_rate,mean_rate,hi_lo_rate,lo_hi_rate,"
                                       "target_rate,available,total,marker\n"
                                       "2.5,10,9,1,1,10,0,5,\n"
                                       "3.5,12,9,1,1,20,0,17,\"preset, loaded\"\n",
                                       QStringLiteral("x.csv"), &error);
        QVERIFY2(run, qPrintable(error));
        QCOMPARE(run->latest.size(), 2);
        QCOMPARE(run->latest[0], QPointF(0, 10)); // from the run's own first row
        QCOMPARE(run->latest[1], QPointF(1, 12));
        QCOMPARE(run->target_rate, 20.0);
        const char* header = "t_s,latest_rate,mean_rate,hi_lo_rate,lo_hi_rate,target_rate\n";
        QVERIFY(!parseSavedRun(QByteArray(header), QStringLiteral("e.csv"), &error));
        QVERIFY(error.contains(QLatin1String("holds no rows")));
        QVERIFY(!parseSavedRun(QByteArray(header) + "1,abc,1,1,1,1\n", QStringLiteral("b.csv"),
                               &error));
        QCOMPARE(error, QStringLiteral("b.csv, line 2: expected the time (rising) and rates as "
                                       "numbers >= 0"));
        QVERIFY(!parseSavedRun(QByteArray(header) + "2,1,1,1,1,1\n1,1,1,1,1,1\n",
                               QStringLiteral("t.csv"), &error));
        QVERIFY(error.contains(QLatin1String("line 3")));
        QVERIFY(!readSavedRun(QStringLiteral("/no/such/run.csv"), &error));
        QVERIFY(error.startsWith(QLatin1String("cannot read '/no/such/run.csv'")));
    }
};

QTEST_MAIN(TestExports)
#include "tst_ui_exports.moc"
