// The Pipeline tab, offscreen, with real stage workers: the demo runs through, the diagram and
// table follow it, the bottleneck is the slow stage, a stage's limit changes live, a bad file
// is refused in one line, and cancel keeps what is stored.
#include "main_window.h"
#include "pipeline_diagram.h"
#include "pipeline_view.h"
#include "throttle_client.h"
#include "ui_test_support.h"

#include <QFile>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace throttlelab;
using namespace throttlelab::ui;
using namespace throttlelab::ui::test;

class TestPipelineView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { isolateSettings(); }

    void theDemoRunsAndItsLimitChangesLive() {
        PipelineView view;
        view.resize(900, 600);
        view.show();
        QCOMPARE(int(view.diagram()->progress().stages.size()), 3); // the demo, before a start
        QSignalSpy finished(&view, &PipelineView::pipelineFinished);
        QCOMPARE(view.startPipeline(), QString());
        QVERIFY(view.isRunning());
        int store_named = 0, other_named = 0;
        QString throttle;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const pipeline::PipelineProgress& p = view.diagram()->progress();
                // At first fetch, held to 40/s, is the slowest: its input is full while the
                // others wait for it. Store does 33/s, so the queues after fetch fill at 7/s;
                // once they have (16 items, about 2.5 s), store holds everyone back.
                const bool settled = p.stages.size() == 3 && p.stages[2].done > 130;
                if (settled && p.bottleneck == 2) ++store_named;
                if (settled && p.bottleneck == 0) ++other_named;
                if (!p.stages.empty()) throttle = p.stages[0].throttle;
                return p.stages.size() == 3 && p.stages[2].done > 160;
            }(),
            30000);
        QVERIFY(store_named > 0); // one worker at 30 ms an item: the slowest
        QCOMPARE(other_named, 0);
        QCOMPARE(view.stageTable()->rowCount(), 3);
        QCOMPARE(view.stageTable()->item(0, 0)->text(), QStringLiteral("fetch"));
        // The fetch stage's own limit, live: from 40/s to 25/s.
        QVERIFY(!throttle.isEmpty());
        QCOMPARE(view.setStageRate(0, 25), QString());
        QString error;
        auto client = ThrottleClient::attach(throttle, AttachAs::Observer, &error);
        QVERIFY2(client, qPrintable(error));
        QCOMPARE(client->config().max_n, 25LL);
        QVERIFY(!view.setStageRate(1, 10).isEmpty()); // parse has no limit of its own
        view.cancelPipeline();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 15000);
        QVERIFY(!view.isRunning());
        QVERIFY(view.lastSummary()->cancelled);
        QVERIFY(view.lastSummary()->progress.completed > 160);
        // The demo's parse stage fails 1% of its keys: each is listed with its stage.
        const long long failed = view.lastSummary()->progress.failed;
        QCOMPARE(view.failureTable()->rowCount(), int(failed));
        for (int row = 0; row < view.failureTable()->rowCount(); ++row)
            QCOMPARE(view.failureTable()->item(row, 0)->text(), QStringLiteral("parse"));
    }

    void aBadFileIsRefusedInOneLine() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("bad.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            R"({"items": {"range": "3"}, "stages": [{"name": "a", "command": "true", "queue": 0}]})");
        f.close();
        PipelineView view;
        const QString e = view.openFile(path);
        QVERIFY2(e.startsWith(QLatin1String("stages[0].queue must be an integer")), qPrintable(e));
        QCOMPARE(view.errorText(), e);
        // Without a stash folder, a file's pipeline is not started (the demo's goes to a
        // temporary one).
        const QString ok = dir.filePath(QStringLiteral("ok.json"));
        QFile g(ok);
        QVERIFY(g.open(QIODevice::WriteOnly));
        g.write(R"({"items": {"range": "3"}, "stages": [{"name": "a", "command": "echo {}"}]})");
        g.close();
        QCOMPARE(view.openFile(ok), QString());
        QVERIFY(view.startPipeline().startsWith(QLatin1String("stash:")));
        view.setStashPath(dir.filePath(QStringLiteral("run")));
        QSignalSpy finished(&view, &PipelineView::pipelineFinished);
        QCOMPARE(view.startPipeline(), QString());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 15000);
        QCOMPARE(view.lastSummary()->progress.completed, 3LL);
    }

    void theWindowHasTheTab() {
        MainWindow w(testOptions("pipelinetab"));
        QVERIFY(w.pipelineView());
    }
};

QTEST_MAIN(TestPipelineView)
#include "tst_ui_pipeline.moc"
