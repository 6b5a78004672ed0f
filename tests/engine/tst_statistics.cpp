// The monitor's statistics from made-up emissions: time order, windows, extremes, no
// division by zero, carry-over across restarts.
#include "statistics.h"

#include <QtTest>

using namespace throttlelab;

namespace {
constexpr Nanos ms = kNanosPerMilli;
constexpr Nanos s1 = kNanosPerSecond;

void feed(StatisticsAccumulator& acc, std::initializer_list<Nanos> times) {
    for (Nanos t : times)
        acc.receive({t, t, 0});
}
} // namespace

class TestStatistics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void emptyGivesZerosNotNaN() {
        StatisticsAccumulator acc;
        const StatsSnapshot s = acc.snapshot(10 * s1, s1, 0, 4);
        QCOMPARE(s.total, 0ull);
        QCOMPARE(s.latest.rate, 0.0);
        QCOMPARE(s.latest.interval_s, 0.0);
        QCOMPARE(s.mean.rate, 0.0);
        QCOMPARE(s.hi_lo.rate, 0.0);
        QCOMPARE(s.lo_hi.interval_s, 0.0);
        QCOMPARE(s.gap_p50_s, 0.0);
    }
    void gapsAreTakenInTimeOrderNeverNegative() {
        // Received out of order, as emissions from several processes are.
        StatisticsAccumulator acc;
        feed(acc, {300 * ms, 100 * ms, 400 * ms, 200 * ms, 700 * ms});
        acc.advance(s1, 20 * ms, s1);
        const StatsSnapshot s = acc.snapshot(s1, s1, s1, 5);
        QCOMPARE(s.total, 5ull);
        QCOMPARE(s.late, 0ull);
        QCOMPARE(s.lo_hi.interval_s, 0.1); // smallest gap
        QCOMPARE(s.lo_hi.rate, 10.0);      // highest instantaneous rate
        QCOMPARE(s.hi_lo.interval_s, 0.3); // largest gap
        QVERIFY(s.min_gap_ns > 0);
    }
    void latestCoversTheLastWindowOfPer() {
        StatisticsAccumulator acc;
        for (int i = 0; i < 40; ++i)
            acc.receive({i * 250 * ms, i * 250 * ms, 0}); // 4/s for 10 s
        acc.advance(10 * s1, 0, 2 * s1);
        // per = 2 s: the window (8 s, 10 s] holds 8.25 .. 9.75 = 7 emissions.
        StatsSnapshot s = acc.snapshot(10 * s1, 2 * s1, 10 * s1, 4);
        QCOMPARE(s.latest_count, 7ull);
        QCOMPARE(s.latest.rate, 3.5);
        QCOMPARE(s.mean.rate, 4.0);
        QCOMPARE(s.mean.interval_s, 0.25);
    }
    void pendingEmissionsCountInLatestAtOnce() {
        StatisticsAccumulator acc;
        feed(acc, {990 * ms, 995 * ms});
        acc.advance(s1, 20 * ms, s1); // too recent to place yet
        const StatsSnapshot s = acc.snapshot(s1, s1, s1, 2);
        QCOMPARE(s.total, 2ull);
        QCOMPARE(s.latest_count, 2ull);
    }
    void lateArrivalsAreCountedNotMisordered() {
        StatisticsAccumulator acc;
        feed(acc, {100 * ms, 200 * ms});
        acc.advance(s1, 0, s1);
        feed(acc, {150 * ms}); // arrives after 200 ms was placed
        acc.advance(2 * s1, 0, s1);
        const StatsSnapshot s = acc.snapshot(2 * s1, s1, 2 * s1, 2);
        QCOMPARE(s.total, 3ull);
        QCOMPARE(s.late, 1ull);
        QCOMPARE(s.lo_hi.interval_s, 0.1);
    }
    void windowedExtremesForget() {
        StatisticsAccumulator acc;
        feed(acc, {0, 10 * ms, 1000 * ms, 1500 * ms, 2000 * ms});
        acc.advance(3 * s1, 0, s1);
        StatsSnapshot s = acc.snapshot(2500 * ms, s1, 3 * s1, 2);
        // All time the smallest gap is 10 ms; within (1.5 s, 2.5 s] it is 500 ms.
        QCOMPARE(s.lo_hi.interval_s, 0.01);
        QCOMPARE(s.lo_hi_window.interval_s, 0.5);
        QCOMPARE(s.hi_lo.interval_s, 0.99);
        QCOMPARE(s.hi_lo_window.interval_s, 0.5);
    }
    void hiLoIsDefinedAtLowRates() {
        // The reference's hi_lo stayed (0, 0) at <= 1/s.
        StatisticsAccumulator acc;
        feed(acc, {0, 2 * s1, 4 * s1});
        acc.advance(5 * s1, 0, s1);
        QCOMPARE(acc.snapshot(5 * s1, s1, 5 * s1, 0.5).hi_lo.interval_s, 2.0);
    }
    void maxInWindowCountsGrants() {
        StatisticsAccumulator acc;
        for (int i = 0; i < 10; ++i)
            acc.receive({0, i * ms, 0}); // a burst of 10
        for (int i = 1; i <= 10; ++i)
            acc.receive({i * 100 * ms, i * 100 * ms, 0});
        acc.advance(5 * s1, 0, s1);
        // (0, 1 s] holds 10 spaced grants; [0, 0.9 s] holds the burst plus 9.
        QCOMPARE(acc.snapshot(5 * s1, s1, 5 * s1, 10).max_in_window, 19LL);
    }
    void percentilesAreWithinTheBucketResolution() {
        StatisticsAccumulator acc;
        Nanos t = 0;
        for (int i = 0; i < 1000; ++i) {
            t += (i % 10 == 0) ? 10 * ms : ms; // 90% 1 ms gaps, 10% 10 ms
            acc.receive({t, t, 0});
        }
        acc.advance(t + s1, 0, s1);
        const StatsSnapshot s = acc.snapshot(t + s1, s1, t, 100);
        QVERIFY(std::abs(s.gap_p50_s - 0.001) < 0.001 * 0.04);
        QVERIFY(std::abs(s.gap_p99_s - 0.010) < 0.010 * 0.04);
    }
    void bucketsAreMonotonicAndTight() {
        int last = -1;
        for (Nanos g = 1; g < 1000 * s1; g = g * 11 / 10 + 1) {
            const int b = gapBucket(g);
            QVERIFY(b >= last);
            last = b;
            const double mid = double(gapBucketMid(b));
            QVERIFY2(std::abs(mid - double(g)) <= 0.07 * double(g) + 1,
                     qPrintable(QString::number(g)));
        }
    }
    void totalsCarryOverButIdleIsNotAGap() {
        StatisticsAccumulator first;
        feed(first, {0, 100 * ms, 200 * ms});
        first.advance(s1, 0, s1);
        const StatsSnapshot before = first.snapshot(s1, s1, s1, 10);
        StatisticsAccumulator next; // a new monitor process after stop() + start()
        next.seed(before);
        next.beginRun();
        feed(next, {60 * s1, 60 * s1 + 100 * ms});
        next.advance(61 * s1, 0, s1);
        const StatsSnapshot after = next.snapshot(61 * s1, s1, 2 * s1, 10);
        QCOMPARE(after.total, 5ull);
        QCOMPARE(after.hi_lo.interval_s, 0.1); // the minute between runs is no gap
        QCOMPARE(after.mean.rate, 2.5);
    }
    // At 1e8 permits/s the latest count and "most in any window" used to stop at exactly
    // 4,194,304 (a cap on the window's memory). Now they follow the rate, within 2e-5.
    void highRatesAreCountedNotCapped() {
        StatisticsAccumulator acc;
        const Nanos step = 100; // 1e7 per second
        const std::uint64_t n = 10'000'000;
        for (std::uint64_t i = 0; i < n; ++i)
            acc.receive({Nanos(i) * step, Nanos(i) * step, 0});
        acc.advance(s1, 0, s1);
        const StatsSnapshot full = acc.snapshot(s1, s1, s1, 1e7);
        QCOMPARE(full.total, n);
        QVERIFY2(std::llabs((long long)full.latest_count - (long long)n) <= (long long)(n / 50000),
                 qPrintable(QString::number(full.latest_count)));
        QVERIFY2(std::llabs(full.max_in_window - (long long)n) <= (long long)(n / 50000),
                 qPrintable(QString::number(full.max_in_window)));
        // Half a second later half of them have left the latest window.
        const StatsSnapshot half = acc.snapshot(s1 + s1 / 2, s1, s1, 1e7);
        QVERIFY2(std::llabs((long long)half.latest_count - (long long)n / 2) <=
                     (long long)(n / 50000),
                 qPrintable(QString::number(half.latest_count)));
    }
    // The monitor sorts each batch with an insertion sort that hands over to std::sort when
    // entries have to move far: a batch in reverse order must come out in time order too.
    void aBatchInAnyOrderIsPlacedInTimeOrder() {
        StatisticsAccumulator acc;
        for (Nanos i = 20000; i > 0; --i)
            acc.receive({i * 1000, i * 1000, 0});
        acc.advance(s1, 0, s1);
        const StatsSnapshot s = acc.snapshot(s1, s1, s1, 20000);
        QCOMPARE(s.late, 0ull);
        QCOMPARE(s.gaps, 19999ull);
        QCOMPARE(s.min_gap_ns, Nanos(1000));
        QCOMPARE(s.max_gap_ns, Nanos(1000));
    }
    void moderateWindowsStayExact() {
        // Below 65,536 per window, every grant is its own entry: the count is exact at the
        // window's edge, which the window hardcap's promise is checked against.
        StatisticsAccumulator acc;
        for (int i = 0; i < 1000; ++i)
            acc.receive({Nanos(i) * ms, Nanos(i) * ms, 0});
        acc.advance(2 * s1, 0, s1);
        QCOMPARE(acc.snapshot(s1 + 500 * ms, s1, s1, 1000).latest_count, 499ull);
        QCOMPARE(acc.snapshot(2 * s1, s1, s1, 1000).max_in_window, 1000LL);
    }
    void freshSeedIsNotAZeroGap() {
        StatisticsAccumulator acc;
        StatsSnapshot zeroed; // as a fresh segment holds it
        zeroed.min_gap_ns = 0;
        zeroed.max_gap_ns = 0;
        acc.seed(zeroed);
        feed(acc, {0, 100 * ms});
        acc.advance(s1, 0, s1);
        QCOMPARE(acc.snapshot(s1, s1, s1, 1).lo_hi.interval_s, 0.1);
    }
};

QTEST_GUILESS_MAIN(TestStatistics)
#include "tst_statistics.moc"
