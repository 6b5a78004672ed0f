// Option validation: every bad value is refused with a line naming the option.
#include "calibration.h"
#include "options.h"

#include <QtTest>
#include <limits>

using namespace throttlelab;

class TestOptions : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void validConfigPasses() {
        ThrottleConfig c;
        c.max_n = 4;
        QVERIFY(validateConfig(c).isEmpty());
    }
    void badConfigIsRefused_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<double>("value");
        QTest::addColumn<QString>("mentions");
        const double nan = std::numeric_limits<double>::quiet_NaN();
        QTest::newRow("max_n 0") << "max_n" << 0.0 << "max_n";
        QTest::newRow("max_n negative") << "max_n" << -3.0 << "max_n";
        QTest::newRow("per 0") << "per" << 0.0 << "per";
        QTest::newRow("per negative") << "per" << -1.0 << "per";
        QTest::newRow("per NaN") << "per" << nan << "per";
        QTest::newRow("per huge") << "per" << 1e12 << "per";
        QTest::newRow("correction 1") << "correction" << 1.0 << "correction";
        QTest::newRow("correction negative") << "correction" << -0.1 << "correction";
        QTest::newRow("correction NaN") << "correction" << nan << "correction";
        QTest::newRow("rf_rate 0") << "rf_rate" << 0.0 << "rf_rate";
        QTest::newRow("rf_rate NaN") << "rf_rate" << nan << "rf_rate";
        QTest::newRow("rf_rate 1e-10 (0 ns once stored)") << "rf_rate" << 1e-10 << "rf_rate";
        QTest::newRow("rf_rate below 1 ms") << "rf_rate" << 0.0009 << "rf_rate";
    }
    void badConfigIsRefused() {
        QFETCH(QString, field);
        QFETCH(double, value);
        QFETCH(QString, mentions);
        ThrottleConfig c;
        c.max_n = 10;
        if (field == "max_n") c.max_n = (long long)value;
        if (field == "per") c.per = value;
        if (field == "correction") c.correction = value;
        if (field == "rf_rate") c.rf_rate = value;
        // The error says which input it is about (front ends map it to a flag or a field),
        // and its line starts with the engine's name for it.
        const ConfigError e = checkConfig(c);
        QVERIFY2(e.isBadInput(), qPrintable(e.message()));
        QCOMPARE(engineName(e.input), mentions);
        QVERIFY(e.message().startsWith(mentions + u' '));
        QVERIFY(!e.message().contains('\n'));
    }
    void rateAboveCeilingIsRefused() {
        ThrottleConfig c;
        c.max_n = 1'000'000'000;
        c.per = 1;
        QCOMPARE(int(checkConfig(c).input), int(ConfigInput::Rate));
    }
    void windowHardcapBoundsMaxN() {
        ThrottleConfig c;
        c.hardcap = Hardcap::Window;
        c.max_n = kMaxWindowPermits;
        QVERIFY(!checkConfig(c));
        c.max_n = kMaxWindowPermits + 1;
        QCOMPARE(int(checkConfig(c).input), int(ConfigInput::MaxN));
        QVERIFY(checkConfig(c).problem.contains("window"));
    }
    void hardcapAndModeNamesRoundTrip() {
        for (Hardcap h : {Hardcap::Limit, Hardcap::One, Hardcap::None, Hardcap::Window})
            QVERIFY(parseHardcap(toString(h)) == h);
        for (PacingMode m : {PacingMode::Classic, PacingMode::Exact})
            QVERIFY(parsePacingMode(toString(m)) == m);
        // The reference silently accepted typos; ThrottleLab does not.
        QVERIFY(!parseHardcap("limt"));
        QVERIFY(!parseHardcap("LIMIT"));
        QVERIFY(!parsePacingMode("fast"));
    }
    void namesAreChecked() {
        QVERIFY(!checkName("tutorial-4.per_s"));
        for (const QString& bad : {QString(), QString(65, 'a'), QStringLiteral("a/b"),
                                   QStringLiteral("a b"), QString::fromUtf8("caf\xc3\xa9")})
            QCOMPARE(int(checkName(bad).input), int(ConfigInput::Name));
    }
    void referenceDefaultsAreResolved() {
        ThrottleOptions o;
        o.config.max_n = 100;
        o.config.mode = PacingMode::Classic;
        ThrottleOptions r = o.resolved();
        QCOMPARE(*r.auto_emit, true);      // follows as_throttle
        QCOMPARE(*r.auto_calibrate, true); // classic at >= 49/s
        o.as_throttle = false;
        o.config.max_n = 10;
        r = o.resolved();
        QCOMPARE(*r.auto_emit, false);
        QCOMPARE(r.config.auto_emit, false);
        QCOMPARE(*r.auto_calibrate, false);
        o.config.mode = PacingMode::Exact;
        o.config.max_n = 1000;
        QCOMPARE(*o.resolved().auto_calibrate, false); // exact mode needs no calibration
    }
    void correctionRuleMakesSleepPlusOverheadTheInterval() {
        // Target 200 us; measured 260 us with correction 0: the overhead is 60 us, so the
        // sleep must become 140 us, i.e. correction 0.3.
        QCOMPARE(qRound(nextCorrection(0.0, 200e-6, 260e-6) * 1000), 300);
        // With 0.3 applied and still 10 us slow, it goes up by 10/200.
        QCOMPARE(qRound(nextCorrection(0.3, 200e-6, 210e-6) * 1000), 350);
        // Never outside [0, 0.99].
        QCOMPARE(nextCorrection(0.0, 200e-6, 100e-6), 0.0);
        QCOMPARE(nextCorrection(0.5, 1e-6, 1.0), 0.99);
        QCOMPARE(nextCorrection(0.2, 0.0, 1.0), 0.2);
    }
    void calibrationTrustsOnlyMeasurementsWithin1Percent() {
        // The two halves of a round must agree within 1% of their mean, or the point is
        // flagged (a busy machine made one half slower).
        QVERIFY(measurementsAgree(1.000e-3, 1.009e-3));
        QVERIFY(!measurementsAgree(1.000e-3, 1.011e-3));
        QVERIFY(!measurementsAgree(1.040e-3, 1.000e-3));
        QVERIFY(measurementsAgree(0.1, 0.1));
        // Nothing measured is never agreement.
        QVERIFY(!measurementsAgree(0.0, 0.0));
        QVERIFY(!measurementsAgree(-1.0, -1.0));
    }
};

QTEST_GUILESS_MAIN(TestOptions)
#include "tst_options.moc"
