// Micro-benchmarks of the hot paths, on a real shared segment: a non-blocking try, an
// emission into the monitor's ring, a statistics snapshot read, and the pure grant decision.
#include "emission_ring.h"
#include "pacer.h"
#include "shared_segment.h"
#include "stats_channel.h"
#include "throttle_client.h"

#include <benchmark/benchmark.h>
#include <unistd.h>

using namespace throttlelab;

namespace {

// A running throttle segment without helper processes: the hot paths need none.
struct Fixture {
    std::shared_ptr<SharedSegment> segment;
    std::unique_ptr<ThrottleClient> client;

    Fixture(Hardcap hardcap, bool auto_emit) {
        QString error;
        segment = SharedSegment::createOwned(QStringLiteral("microbench-%1").arg(getpid()), &error);
        if (!segment) throw std::runtime_error(error.toStdString());
        shm::Segment& s = segment->data();
        s.config.as_throttle.store(1);
        s.config.as_monitor.store(1);
        ThrottleConfig c;
        c.max_n = 100'000'000; // never the limit: measures the decision, not waiting
        c.hardcap = hardcap;
        c.auto_emit = auto_emit;
        changeConfig(s, ConfigPatch::everything(c), getpid());
        resetPacing(s.pacing, PacingParams::from(c), segment->relative(monotonicNow()));
        s.control.run_state.store(std::uint32_t(shm::RunState::Running));
        client = std::make_unique<ThrottleClient>(segment, AttachAs::Worker);
    }
    // The monitor is not running: empty its ring now and then.
    void drain() { segment->data().emissions.tail.store(segment->data().emissions.head.load()); }
};

void BM_HasFuel_Exact(benchmark::State& state) {
    Fixture f(Hardcap::Limit, false);
    for (auto _ : state)
        benchmark::DoNotOptimize(f.client->hasFuel());
}
BENCHMARK(BM_HasFuel_Exact);

void BM_HasFuel_WindowHardcap(benchmark::State& state) {
    Fixture f(Hardcap::Window, false);
    ThrottleConfig c = f.client->config();
    c.max_n = 65536;
    c.per = 0.0001;
    f.client->setConfig(c);
    for (auto _ : state)
        benchmark::DoNotOptimize(f.client->hasFuel());
}
BENCHMARK(BM_HasFuel_WindowHardcap);

void BM_HasFuel_WithAutoEmit(benchmark::State& state) {
    Fixture f(Hardcap::Limit, true);
    std::uint64_t n = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(f.client->hasFuel());
        if ((++n & 0x3fff) == 0) f.drain();
    }
}
BENCHMARK(BM_HasFuel_WithAutoEmit);

void BM_Emit(benchmark::State& state) {
    Fixture f(Hardcap::Limit, false);
    f.client->hasFuel();
    std::uint64_t n = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(f.client->emit());
        if ((++n & 0x3fff) == 0) f.drain();
    }
}
BENCHMARK(BM_Emit);

void BM_ReadStatsSnapshot(benchmark::State& state) {
    Fixture f(Hardcap::Limit, true);
    for (auto _ : state)
        benchmark::DoNotOptimize(f.client->stats());
}
BENCHMARK(BM_ReadStatsSnapshot);

void BM_TryGrant_Pure(benchmark::State& state) {
    auto pacing = std::make_unique<shm::Pacing>();
    ThrottleConfig c;
    c.max_n = 1'000'000;
    const PacingParams params = PacingParams::from(c);
    resetPacing(*pacing, params, 0);
    Nanos now = 0;
    for (auto _ : state) {
        now += 1000;
        benchmark::DoNotOptimize(tryGrant(*pacing, params, now, 1));
    }
}
BENCHMARK(BM_TryGrant_Pure);

void BM_ClockRead(benchmark::State& state) {
    for (auto _ : state)
        benchmark::DoNotOptimize(monotonicNow());
}
BENCHMARK(BM_ClockRead);

} // namespace

BENCHMARK_MAIN();
