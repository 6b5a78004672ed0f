// The window's CSV exports over a real throttle: File > Record emissions makes the monitor
// log one row per permit from the next start, and Export emissions copies that log; the
// statistics-history export writes one well-formed row per history point.
#include "chart_panel.h"
#include "engine_session.h"
#include "event_log.h"
#include "main_window.h"
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
    }
};

QTEST_MAIN(TestExports)
#include "tst_ui_exports.moc"
