// The Budget tab, offscreen, against a real redis-server: the lab's budget is shared, its
// link and every machine on it show, a Redis that stops shows as lost and comes back, and a
// bad URL is explained in the tab with nothing changed.
#include "engine_session.h"
#include "main_window.h"
#include "redis_server.h"
#include "shared_budget_view.h"
#include "ui_test_support.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QTableWidget>
#include <QTest>

using namespace throttlelab;
using namespace throttlelab::ui;
using namespace throttlelab::ui::test;

class TestBudgetView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void theLabsBudgetIsSharedAndEveryMachineShows();
    void aBadUrlIsExplainedAndChangesNothing();
    void theWindowStartsSharedFromTheCommandLine();
};

void TestBudgetView::initTestCase() {
    isolateSettings();
    if (testsupport::RedisServer::program().isEmpty())
        QFAIL("redis-server is not installed (scripts/setup.sh installs it)");
}

void TestBudgetView::theLabsBudgetIsSharedAndEveryMachineShows() {
    testsupport::RedisServer redis;
    QVERIFY(redis.running());
    EngineSession session(uniqueName("budget"));
    ThrottleConfig c;
    c.max_n = 50;
    c.per = 1;
    QVERIFY(!session.applyConfig(c));
    session.setWorkerCount(1);
    SharedBudgetView view(&session);
    view.resize(800, 500);
    view.show();
    QVERIFY(session.start().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(session.isRunning() && session.status().total > 0, 10000);
    QVERIFY(view.stateLabel()->text().contains("machine only"));
    view.urlEdit()->setText(redis.url(QStringLiteral("lab")));
    view.policyBox()->setCurrentIndex(view.policyBox()->findData(QStringLiteral("closed")));
    QCOMPARE(view.apply(), QString());
    // A clean run with the new owner, connected; the table lists this machine, taking permits.
    QTRY_VERIFY_WITH_TIMEOUT(view.stateLabel()->text().contains("Link connected"), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(view.machineTable()->rowCount() == 1 &&
                                 view.machineTable()->item(0, 2)->text().toLongLong() > 0,
                             10000);
    QVERIFY(view.stateLabel()->text().contains("closed"));
    QVERIFY(view.statusLine().contains("connected"));
    // Redis stops: the tab says so, and the policy; it comes back by itself.
    redis.pause();
    QTRY_VERIFY_WITH_TIMEOUT(view.stateLabel()->text().contains("Link lost"), 5000);
    QVERIFY(view.statusLine().contains("LOST"));
    redis.resume();
    QTRY_VERIFY_WITH_TIMEOUT(view.stateLabel()->text().contains("Link connected"), 5000);
    // Back to this machine only.
    view.urlEdit()->clear();
    QCOMPARE(view.apply(), QString());
    QTRY_VERIFY_WITH_TIMEOUT(session.isRunning() && !session.backendInfo().shared(), 10000);
    session.shutdown();
}

void TestBudgetView::aBadUrlIsExplainedAndChangesNothing() {
    EngineSession session(uniqueName("badurl"));
    SharedBudgetView view(&session);
    for (const char* bad : {"http://127.0.0.1:6379", "redis://h:0", "redis://h?colour=red"}) {
        view.urlEdit()->setText(QString::fromLatin1(bad));
        const QString e = view.apply();
        QVERIFY2(!e.isEmpty(), bad);
        QVERIFY(!e.contains(u'\n'));
        QCOMPARE(session.backendUrl(), QString());
    }
    // Classic mode cannot be shared: said, and the budget stays this machine's.
    ThrottleConfig c;
    c.max_n = 10;
    c.mode = PacingMode::Classic;
    QVERIFY(!session.applyConfig(c));
    view.urlEdit()->setText(QStringLiteral("redis://127.0.0.1"));
    QVERIFY(view.apply().contains("exact"));
    QCOMPARE(session.backendUrl(), QString());
}

void TestBudgetView::theWindowStartsSharedFromTheCommandLine() {
    testsupport::RedisServer redis;
    QVERIFY(redis.running());
    LaunchOptions o = testOptions("budgetcli");
    QString message;
    QCOMPARE(parseCommandLine({"throttlelab", "--backend", redis.url("cli"), "--on-backend-loss",
                               "local", "--view", "budget"},
                              &o, &message),
             ParseOutcome::Run);
    QCOMPARE(parseCommandLine({"throttlelab", "--backend", "ftp://x"}, &o, &message),
             ParseOutcome::ExitError);
    QVERIFY(message.startsWith("--backend "));
    o = testOptions("budgetcli");
    QCOMPARE(parseCommandLine({"throttlelab", "--on-backend-loss", "local"}, &o, &message),
             ParseOutcome::ExitError);
    o = testOptions("budgetcli");
    QCOMPARE(parseCommandLine({"throttlelab", "--backend", redis.url("cli"), "--on-backend-loss",
                               "local", "--view", "budget"},
                              &o, &message),
             ParseOutcome::Run);
    o.name = uniqueName("budgetcli");
    o.unattended = true;
    o.restore_last = false;
    o.persist = false;
    MainWindow w(o);
    w.show();
    auto* view = w.findChild<SharedBudgetView*>();
    QVERIFY(view);
    QVERIFY(view->isVisible()); // --view budget
    QTRY_VERIFY_WITH_TIMEOUT(view->stateLabel()->text().contains("Link connected"), 15000);
    QVERIFY(view->stateLabel()->text().contains("local"));
}

QTEST_MAIN(TestBudgetView)
#include "tst_ui_budget.moc"
