// The structures inside the segment, in ordinary memory: the header check, the emission
// ring, the statistics sequence lock and the history ring.
#include "config_channel.h"
#include "emission_ring.h"
#include "shared_segment.h"
#include "stats_channel.h"

#include <QtTest>
#include <cstring>
#include <memory>
#include <random>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace throttlelab;

namespace {
// A pid that ran a moment ago and runs no more.
pid_t deadPid() {
    const pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, nullptr, 0);
    return child;
}
} // namespace

class TestSharedStructures : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void headerCheckRefusesAnythingElse() {
        auto seg = std::make_unique<shm::Segment>();
        seg->header.magic = shm::kMagic;
        seg->header.layout_version = shm::kLayoutVersion;
        seg->header.header_size = sizeof(shm::Header);
        seg->header.total_size = shm::kSegmentSize;
        QVERIFY(validateSegmentBytes(seg.get(), shm::kSegmentSize).isEmpty());
        QVERIFY(validateSegmentBytes(seg.get(), 10).contains("too small"));
        QVERIFY(validateSegmentBytes(nullptr, 0).contains("too small"));
        QVERIFY(validateSegmentBytes(seg.get(), shm::kSegmentSize - 1).contains("corrupt"));
        seg->header.layout_version = shm::kLayoutVersion + 1;
        QVERIFY(validateSegmentBytes(seg.get(), shm::kSegmentSize).contains("layout version"));
        seg->header.layout_version = shm::kLayoutVersion;
        seg->header.total_size = 12;
        QVERIFY(validateSegmentBytes(seg.get(), shm::kSegmentSize).contains("corrupt"));
        seg->header.magic = 0x1234;
        QVERIFY(validateSegmentBytes(seg.get(), shm::kSegmentSize).contains("not a ThrottleLab"));
    }
    void headerCheckNeverMisreadsGarbage() {
        std::mt19937_64 rng(1);
        std::vector<unsigned char> bytes(4096);
        for (int round = 0; round < 2000; ++round) {
            for (auto& b : bytes)
                b = static_cast<unsigned char>(rng());
            QVERIFY(!validateSegmentBytes(bytes.data(), rng() % bytes.size()).isEmpty());
        }
    }
    void ringCountsEveryEmissionAndOverflowsLoudly() {
        auto ring = std::make_unique<shm::EmissionRing>();
        for (std::size_t i = 0; i < shm::kEmissionRingSize; ++i)
            QVERIFY(pushEmission(*ring, {Nanos(i), Nanos(i), 1}));
        QVERIFY(!pushEmission(*ring, {0, 0, 1}));
        QCOMPARE(ring->overflow.load(), 1ull);
        std::vector<Emission> out;
        Nanos stuck = 0;
        QCOMPARE(drainEmissions(*ring, out, 0, kNanosPerSecond, &stuck), shm::kEmissionRingSize);
        QCOMPARE(out.back().emit_ns, Nanos(shm::kEmissionRingSize - 1));
        QVERIFY(pushEmission(*ring, {7, 8, 2})); // room again
        out.clear();
        QCOMPARE(drainEmissions(*ring, out, 0, kNanosPerSecond, &stuck), 1u);
        QCOMPARE(out[0].grant_ns, Nanos(7));
        QCOMPARE(out[0].worker, 2u);
    }
    void concurrentWritersLoseNothingWhileTheRingHasRoom() {
        // A writer's view of head can be older than the monitor's tail; that must never read
        // as a full ring (it once did, and lost a few emissions per million).
        auto ring = std::make_unique<shm::EmissionRing>();
        constexpr int kPerWriter = 400000;
        std::atomic<int> writers_done{0};
        std::vector<std::thread> writers;
        for (int w = 0; w < 2; ++w)
            writers.emplace_back([&, w] {
                for (int i = 0; i < kPerWriter; ++i) {
                    // Never more than half full, however slow the drainer is scheduled: any
                    // overflow left is a wrong "full".
                    while (ring->head.load() - ring->tail.load() > shm::kEmissionRingSize / 2)
                        std::this_thread::yield();
                    pushEmission(*ring, {i, i, std::uint32_t(w)});
                }
                ++writers_done;
            });
        std::vector<Emission> out;
        out.reserve(2 * kPerWriter);
        Nanos stuck = 0;
        while (writers_done < 2 || ring->tail.load() < ring->head.load())
            drainEmissions(*ring, out, monotonicNow(), kNanosPerSecond, &stuck);
        for (auto& t : writers)
            t.join();
        QCOMPARE(ring->overflow.load(), 0ull);
        QCOMPARE(out.size(), std::size_t(2 * kPerWriter));
    }
    void anEntryAbandonedMidWriteIsSkippedAfterATimeout() {
        auto ring = std::make_unique<shm::EmissionRing>();
        ring->head.store(1); // a writer claimed index 0 and died before publishing it
        QVERIFY(pushEmission(*ring, {5, 5, 0}));
        std::vector<Emission> out;
        Nanos stuck = 0;
        QCOMPARE(drainEmissions(*ring, out, 1000, 500, &stuck), 0u);
        QCOMPARE(drainEmissions(*ring, out, 1400, 500, &stuck), 0u);
        QCOMPARE(drainEmissions(*ring, out, 1600, 500, &stuck), 1u);
        QCOMPARE(ring->overflow.load(), 1ull);
        QCOMPARE(out[0].emit_ns, Nanos(5));
    }
    void statsRoundTripExactly() {
        auto stats = std::make_unique<shm::Stats>();
        StatsSnapshot s;
        s.total = 123456789;
        s.latest = {0.25, 4.0};
        s.latest_count = 4;
        s.hi_lo_window = {1.5, 1 / 1.5};
        s.max_in_window = 77;
        s.min_gap_ns = 12;
        s.gap_p99_s = 0.125;
        s.gap_histogram[5] = 9;
        s.gap_histogram[shm::kGapHistogramBuckets - 1] = 3;
        publishStats(*stats, s);
        const StatsSnapshot r = readStats(*stats);
        QCOMPARE(r.total, s.total);
        QCOMPARE(r.latest.rate, 4.0);
        QCOMPARE(r.latest_count, 4ull);
        QCOMPARE(r.hi_lo_window.interval_s, 1.5);
        QCOMPARE(r.max_in_window, 77LL);
        QCOMPARE(r.min_gap_ns, Nanos(12));
        QCOMPARE(r.gap_p99_s, 0.125);
        QVERIFY(r.gap_histogram == s.gap_histogram);
        QCOMPARE(stats->buffer[stats->published.load() & 1].seq.load() % 2, 0ull);
    }
    // A monitor killed (or stopped) inside publishStats leaves the buffer it was writing torn
    // and its sequence word odd. Readers must not wait for it (they used to spin forever), and
    // a replacement monitor must publish over it.
    void statsReadersIgnoreABufferLeftTornByADeadWriter() {
        auto stats = std::make_unique<shm::Stats>();
        StatsSnapshot first;
        first.total = 1000;
        first.max_in_window = 10;
        publishStats(*stats, first);
        shm::StatsBuffer& torn = stats->buffer[(stats->published.load() & 1) ^ 1];
        torn.seq.store(torn.seq.load() + 1); // odd: a write began
        for (auto& w : torn.data.word)
            w.store(0xdeadbeefdeadbeefull); // and stopped halfway
        const StatsSnapshot read = readStats(*stats);
        QCOMPARE(read.total, 1000ull);
        QCOMPARE(read.max_in_window, 10LL);
        StatsSnapshot next;
        next.total = 1200;
        publishStats(*stats, next); // the replacement writes over the torn buffer
        QCOMPARE(readStats(*stats).total, 1200ull);
        publishStats(*stats, first);
        publishStats(*stats, next);
        QCOMPARE(readStats(*stats).total, 1200ull);
    }
    void configReadersSeeWholeChangesOnly() {
        auto seg = std::make_unique<shm::Segment>();
        ThrottleConfig a;
        a.max_n = 10;
        a.per = 2;
        QCOMPARE(changeConfig(*seg, ConfigPatch::everything(a), getpid()).message(), QString());
        // A writer dies inside its write: the unpublished slot is torn, its lock word holds a
        // pid that no longer runs.
        shm::ConfigValues& torn = seg->config.slot[(seg->config.published.load() & 1) ^ 1];
        torn.max_n.store(999);
        torn.per_ns.store(1);
        const pid_t dead = deadPid();
        seg->config.writer_pid.store(dead);
        QCOMPARE(readConfig(*seg).max_n, 10LL);
        QCOMPARE(readConfig(*seg).per, 2.0);
        ConfigPatch p;
        p.per = 4;
        ThrottleConfig applied;
        QCOMPARE(changeConfig(*seg, p, getpid(), {}, &applied).message(),
                 QString());           // took the lock over
        QCOMPARE(applied.max_n, 10LL); // merged into the current config, not the torn slot
        QCOMPARE(readConfig(*seg).per, 4.0);
        QCOMPARE(seg->config.writer_pid.load(), 0LL);
    }
    void concurrentFieldChangesAreMergedNotLost() {
        auto seg = std::make_unique<shm::Segment>();
        ThrottleConfig base;
        base.max_n = 1;
        QCOMPARE(changeConfig(*seg, ConfigPatch::everything(base), getpid()).message(), QString());
        for (int round = 0; round < 300; ++round) {
            ConfigPatch to_n, to_per, reset;
            to_n.max_n = 77 + round;
            to_per.per = 7 + round;
            reset.max_n = 1;
            reset.per = 1;
            QCOMPARE(changeConfig(*seg, reset, getpid()).message(), QString());
            std::thread t1([&] { changeConfig(*seg, to_n, getpid()); });
            std::thread t2([&] { changeConfig(*seg, to_per, getpid()); });
            t1.join();
            t2.join();
            const ThrottleConfig c = readConfig(*seg);
            QCOMPARE(c.max_n, 77LL + round);
            QCOMPARE(c.per, 7.0 + round);
        }
    }
    void historyKeepsTheNewestPoints() {
        auto h = std::make_unique<shm::History>();
        std::uint64_t next = 0;
        QVERIFY(readHistory(*h, 0, &next).empty());
        for (int i = 1; i <= 10; ++i)
            appendHistory(*h, {Nanos(i), double(i), 0, 0, 0, 4, i, 0});
        auto points = readHistory(*h, 0, &next);
        QCOMPARE(points.size(), 10u);
        QCOMPARE(points.front().latest_rate, 1.0);
        QCOMPARE(next, 10ull);
        appendHistory(*h, {11, 11, 0, 0, 0, 4, 0, 0});
        points = readHistory(*h, next, &next);
        QCOMPARE(points.size(), 1u);
        QCOMPARE(points[0].t_ns, Nanos(11));
        for (int i = 12; i < 10000; ++i)
            appendHistory(*h, {Nanos(i), double(i), 0, 0, 0, 4, 0, 0});
        points = readHistory(*h, 0, &next);
        QVERIFY(points.size() < shm::kHistorySize);
        QVERIFY(points.size() > shm::kHistorySize - 4);
        QCOMPARE(points.back().t_ns, Nanos(9999));
    }
};

QTEST_GUILESS_MAIN(TestSharedStructures)
#include "tst_shared_structures.moc"
