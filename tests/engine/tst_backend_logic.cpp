// The pure part of a shared budget: URLs, lease sizes and schedules, the fair share, the
// window hold, and the pacing parameters each feed gives the workers. No Redis, no clock.
#include "backend_url.h"
#include "lease_plan.h"
#include "options.h"
#include "pacer.h"

#include <QtTest>

using namespace throttlelab;
using namespace throttlelab::backend;

class TestBackendLogic : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void urlsAreParsed();
    void badUrlsSayWhatIsAccepted_data();
    void badUrlsSayWhatIsAccepted();
    void sharedOptionsAreChecked();
    void leaseCapIsTenMillisecondsOfPermits();
    void leaseSizesFollowDemand();
    void aLeaseReleasesItsPermitsAtTheirDueTimes();
    void theBankIsDueAtOnce();
    void fairShareNeverAddsUpToMoreThanTheBudget();
    void aWindowPermitIsWithdrawnBeforeItsLoggedTime();
    void eachFeedGivesTheWorkersItsRules();
};

void TestBackendLogic::urlsAreParsed() {
    QString e;
    auto u = BackendUrl::parse("redis://10.0.0.5:6380/3?key=api.v1", &e);
    QVERIFY2(u, qPrintable(e));
    QCOMPARE(u->host, QString("10.0.0.5"));
    QCOMPARE(u->port, 6380);
    QCOMPARE(u->db, 3);
    QCOMPARE(u->key, QString("api.v1"));
    QCOMPARE(u->keyOr("x"), QString("api.v1"));
    u = BackendUrl::parse("redis://cache", &e);
    QVERIFY(u);
    QCOMPARE(u->port, 6379);
    QCOMPARE(u->db, 0);
    QCOMPARE(u->keyOr("crawler"), QString("crawler"));
    u = BackendUrl::parse("redis+unix:///run/redis/r.sock?db=2&key=a:b", &e);
    QVERIFY2(u, qPrintable(e));
    QCOMPARE(u->socket_path, QString("/run/redis/r.sock"));
    QCOMPARE(u->db, 2);
    QCOMPARE(u->key, QString("a:b"));
    QCOMPARE(u->where(), QString("/run/redis/r.sock db 2"));
}

void TestBackendLogic::badUrlsSayWhatIsAccepted_data() {
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("empty") << ""
                           << "not a URL";
    QTest::newRow("scheme") << "http://127.0.0.1:6379"
                            << "redis://";
    QTest::newRow("no host") << "redis://"
                             << "no host";
    QTest::newRow("port 0") << "redis://h:0"
                            << "port";
    QTest::newRow("port big") << "redis://h:70000"
                              << "port";
    QTest::newRow("db word") << "redis://h/zero"
                             << "database";
    QTest::newRow("db negative") << "redis://h/-1"
                                 << "database";
    QTest::newRow("key space") << "redis://h?key=a%20b"
                               << "key may hold";
    QTest::newRow("key long") << QString("redis://h?key=") + QString(65, 'k') << "1 to 64";
    QTest::newRow("unknown") << "redis://h?colour=red"
                             << "unknown parameter 'colour'";
    QTest::newRow("password") << "redis://u:p@h"
                              << "user or password";
    QTest::newRow("relative socket") << "redis+unix://sock"
                                     << "absolute socket path";
    QTest::newRow("socket db") << "redis+unix:///s?db=x"
                               << "db must be";
    QTest::newRow("newline") << "redis://h?key=a\nb"
                             << "";
}

void TestBackendLogic::badUrlsSayWhatIsAccepted() {
    QFETCH(QString, url);
    QFETCH(QString, mentions);
    QString e;
    QVERIFY(!BackendUrl::parse(url, &e));
    QVERIFY2(e.contains(mentions), qPrintable(e));
    QVERIFY2(!e.contains(u'\n'), qPrintable(e));
}

void TestBackendLogic::sharedOptionsAreChecked() {
    ThrottleOptions o;
    o.config.max_n = 10;
    o.backend_url = "redis://127.0.0.1";
    QVERIFY(!checkOptions(o.resolved()));
    // The default policy: closed for the window hardcap (it promises a window), else local.
    QVERIFY(*o.resolved().on_backend_loss == BackendLossPolicy::Local);
    o.config.hardcap = Hardcap::Window;
    QVERIFY(*o.resolved().on_backend_loss == BackendLossPolicy::Closed);
    o.config.mode = PacingMode::Classic;
    QVERIFY(checkOptions(o.resolved()).input == ConfigInput::Mode);
    o.config.mode = PacingMode::Exact;
    o.backend_url = "redis://h:0";
    QVERIFY(checkOptions(o.resolved()).input == ConfigInput::Backend);
    o.backend_url = "redis://h";
    o.as_throttle = false;
    QVERIFY(checkOptions(o.resolved()).input == ConfigInput::Backend);
    QVERIFY(*parseBackendLossPolicy("open") == BackendLossPolicy::Open);
    QVERIFY(!parseBackendLossPolicy("maybe"));
}

void TestBackendLogic::leaseCapIsTenMillisecondsOfPermits() {
    QCOMPARE(leaseCap(1e9 / 100), 1LL);      // 100/s: one at a time
    QCOMPARE(leaseCap(1e9 / 10'000), 100LL); // 10k/s: 100 a call, 100 calls a second
    QCOMPARE(leaseCap(1e9 / 1e6), 10'000LL);
    QCOMPARE(leaseCap(0), 1LL);
    QCOMPARE(leaseCap(1e12), 1LL); // slower than one per horizon: still one
}

void TestBackendLogic::leaseSizesFollowDemand() {
    LeaseSizer s(100);
    QCOMPARE(s.next(0), 1LL);
    QCOMPARE(s.next(5), 5LL); // every waiter is served by one lease
    s.consumed();
    s.consumed();
    QCOMPARE(s.next(0), 4LL);
    for (int i = 0; i < 20; ++i)
        s.consumed();
    QCOMPARE(s.next(0), 100LL); // never past the cap
    QCOMPARE(s.next(500), 100LL);
    s.returned(3);
    QCOMPARE(s.next(0), 50LL);
    s.returned(0); // nothing came back: no change
    QCOMPARE(s.next(0), 50LL);
    s.setCap(10); // a retune to a slower rate
    QCOMPARE(s.next(0), 10LL);
}

void TestBackendLogic::aLeaseReleasesItsPermitsAtTheirDueTimes() {
    LeaseSchedule l;
    l.received_ns = 1'000'000;
    l.first_due_ns = 500'000; // the first is due 0.5 ms after the reply
    l.interval_ns = 100'000;
    l.count = 5;
    QCOMPARE(l.dueBy(1'000'000), 0LL);
    QCOMPARE(l.nextDue(), Nanos(1'500'000));
    QCOMPARE(l.dueBy(1'499'999), 0LL);
    QCOMPARE(l.dueBy(1'500'000), 1LL);
    QCOMPARE(l.dueBy(1'650'000), 2LL);
    l.released = 2;
    QCOMPARE(l.nextDue(), Nanos(1'700'000));
    QCOMPARE(l.dueBy(5'000'000), 5LL); // never more than leased
    l.released = 5;
    QVERIFY(l.done());
    QCOMPARE(l.nextDue(), Nanos(-1));
}

void TestBackendLogic::theBankIsDueAtOnce() {
    // After idle the budget's bank makes the first permits due already.
    LeaseSchedule l;
    l.received_ns = 0;
    l.first_due_ns = -350'000;
    l.interval_ns = 100'000;
    l.count = 10;
    QCOMPARE(l.dueBy(0), 4LL); // due at -350, -250, -150, -50 us
    QCOMPARE(l.dueBy(49'999), 4LL);
    QCOMPARE(l.dueBy(50'000), 5LL);
}

void TestBackendLogic::fairShareNeverAddsUpToMoreThanTheBudget() {
    for (long long max_n : {1LL, 2LL, 7LL, 40LL, 100LL, 1'000'003LL})
        for (int machines = 1; machines <= 9; ++machines) {
            const long long share = fairShare(max_n, machines);
            QVERIFY(share >= 1);
            if (max_n >= machines) QVERIFY(share * machines <= max_n);
            QVERIFY(share * machines > max_n - machines); // and wastes less than one each
        }
    QCOMPARE(fairShare(40, 2), 20LL);
    QCOMPARE(fairShare(40, 0), 40LL); // none seen yet: this one alone
}

void TestBackendLogic::aWindowPermitIsWithdrawnBeforeItsLoggedTime() {
    // Logged at the server's now + hold, where the server's now is after `sent`: the
    // deadline here comes before that, by the margin.
    const Nanos sent = 5 * kNanosPerSecond;
    QVERIFY(leaseDeadline(sent) < sent + kWindowHold);
    QCOMPARE(leaseDeadline(sent), sent + kWindowHold - kWindowHoldMargin);
    QVERIFY(leaseDeadline(sent) > sent);
}

void TestBackendLogic::eachFeedGivesTheWorkersItsRules() {
    ThrottleConfig c;
    c.max_n = 40;
    c.per = 0.5;
    c.hardcap = Hardcap::Window;
    const PacingParams local = PacingParams::from(c, true, shm::packFeed(shm::FeedKind::Local, 0));
    QVERIFY(local.mode == PacingMode::Exact);
    QCOMPARE(local.max_n, 40LL);
    // Leased: the tank, and the window ring still records (the share after a loss needs it).
    const PacingParams leased =
        PacingParams::from(c, true, shm::packFeed(shm::FeedKind::Leased, 0));
    QVERIFY(leased.mode == PacingMode::Classic);
    QVERIFY(leased.hardcap == Hardcap::Window);
    QVERIFY(!leased.unlimited);
    c.hardcap = Hardcap::One;
    QVERIFY(PacingParams::from(c, true, shm::packFeed(shm::FeedKind::Leased, 0)).hardcap ==
            Hardcap::Limit);
    QVERIFY(PacingParams::from(c, true, shm::packFeed(shm::FeedKind::Open, 0)).unlimited);
    const PacingParams share = PacingParams::from(c, true, shm::packFeed(shm::FeedKind::Share, 13));
    QVERIFY(share.mode == PacingMode::Exact);
    QCOMPARE(share.max_n, 13LL);
    QVERIFY(share.hardcap == Hardcap::One);
    QCOMPARE(shm::feedShare(shm::packFeed(shm::FeedKind::Share, 123456789)), 123456789LL);
    QVERIFY(shm::feedKind(shm::packFeed(shm::FeedKind::Share, 123456789)) == shm::FeedKind::Share);
}

QTEST_GUILESS_MAIN(TestBackendLogic)
#include "tst_backend_logic.moc"
