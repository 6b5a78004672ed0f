// Work profiles: what a worker does with each permit.
#include "work_profile.h"

#include <QtTest>

using namespace throttlelab;

class TestWorkProfile : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void acceptedForms_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("canonical");
        QTest::addColumn<double>("mean");
        QTest::newRow("none") << "none"
                              << "none" << 0.0;
        QTest::newRow("fixed") << "fixed:5ms"
                               << "fixed:5ms" << 0.005;
        QTest::newRow("fixed cpu") << "fixed:250us:cpu"
                                   << "fixed:250us:cpu" << 0.00025;
        QTest::newRow("uniform") << "uniform:1ms-10ms"
                                 << "uniform:1ms-10ms" << 0.0055;
        QTest::newRow("exp sleep") << "exp:5ms:sleep"
                                   << "exp:5ms" << 0.005;
        QTest::newRow("seconds") << "fixed:1.5s"
                                 << "fixed:1500ms" << 1.5;
    }
    void acceptedForms() {
        QFETCH(QString, text);
        QFETCH(QString, canonical);
        QFETCH(double, mean);
        QString error;
        auto p = WorkProfile::parse(text, &error);
        QVERIFY2(p, qPrintable(error));
        QCOMPARE(p->toString(), canonical);
        QCOMPARE(p->meanSeconds(), mean);
    }
    void rejectedForms_data() {
        QTest::addColumn<QString>("text");
        for (const char* t :
             {"", "fixed", "fixed:5", "fixed:-5ms", "uniform:10ms-1ms", "uniform:1ms", "exp:fast",
              "gauss:5ms", "fixed:5ms:gpu", "none:cpu:cpu", "fixed:2h"})
            QTest::newRow(t) << QString(t);
    }
    void rejectedForms() {
        QFETCH(QString, text);
        QString error;
        QVERIFY(!WorkProfile::parse(text, &error));
        QVERIFY(error.contains("accepted"));
    }
    void samplesStayInRange() {
        QString error;
        auto u = WorkProfile::parse("uniform:1ms-2ms", &error);
        std::mt19937_64 rng(7);
        for (int i = 0; i < 1000; ++i) {
            const Nanos s = u->sample(rng);
            QVERIFY(s >= kNanosPerMilli && s <= 2 * kNanosPerMilli);
        }
        auto e = WorkProfile::parse("exp:1ms", &error);
        double sum = 0;
        for (int i = 0; i < 20000; ++i)
            sum += double(e->sample(rng));
        QVERIFY(std::abs(sum / 20000 - 1e6) < 5e4); // the mean of 20k draws, within 5%
    }
};

QTEST_GUILESS_MAIN(TestWorkProfile)
#include "tst_work_profile.moc"
