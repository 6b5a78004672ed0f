#pragma once
// The layout of one throttle's shared-memory segment. Every process maps it at a different
// address, so it holds no pointers: only lock-free atomics and plain numbers. Bump
// kLayoutVersion whenever anything here changes; an attach refuses any other version.
#include "clock.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace throttlelab::shm {

constexpr std::uint64_t kMagic = 0x42414c54544f5254ull; // "TROTTLAB" little-endian
constexpr std::uint32_t kLayoutVersion = 1;
constexpr std::size_t kCacheLine = 64;
constexpr std::size_t kMaxWorkers = 64;
constexpr std::size_t kEmissionRingSize = 1u << 18; // 0.26 s of emissions at 1M/s
constexpr std::size_t kWindowRingSize = 1u << 16;
constexpr std::size_t kHistorySize = 2048;
constexpr std::size_t kGapHistogramBuckets = 640;

using A32 = std::atomic<std::uint32_t>;
using A64 = std::atomic<std::uint64_t>;
using AI64 = std::atomic<std::int64_t>;
static_assert(A32::is_always_lock_free && A64::is_always_lock_free && AI64::is_always_lock_free);

enum class SegmentState : std::uint32_t { Initializing = 0, Ready = 1 };
enum class RunState : std::uint32_t { Stopped = 0, Running = 1 };
enum class WorkerState : std::uint32_t { Free = 0, Idle = 1, Waiting = 2, Working = 3 };

struct alignas(kCacheLine) Header {
    std::uint64_t magic;
    std::uint32_t layout_version;
    std::uint32_t header_size;
    std::uint64_t total_size;
    AI64 owner_pid;
    A64 owner_start_ticks;
    A32 state;
    Nanos created_ns;
};

// Live configuration. Written by any attached process; `generation` tells readers it moved.
struct alignas(kCacheLine) Config {
    AI64 max_n;
    AI64 per_ns;
    A32 hardcap;
    A32 mode;
    A64 correction_bits; // a double
    AI64 rf_rate_ns;
    A32 auto_emit;
    A32 as_throttle;
    A32 as_monitor;
    A32 generation;
};

// Run control. `wake` is the one futex word every waiter sleeps on: any grant-relevant event
// (a classic token, a config change, the kill flag) bumps it.
struct alignas(kCacheLine) Control {
    A32 wake;
    A32 waiters;
    A32 kill;
    A32 run_state;
    A32 stop_requested;
    A32 run_epoch; // counts start()s, so a restart is visible to every process
    AI64 run_started_ns;
    AI64 accumulated_runtime_ns;
    AI64 kill_ns; // when the kill flag was set in this run (0: not yet): work ended then
};

// Grant state. exact mode: `tat` (theoretical arrival time of the next permit, in 1/256 ns
// since the segment's creation) moved by one CAS per grant. classic mode: `tank`, filled by
// the throttle process. Both modes record grants in `window_ring` for the window hardcap.
constexpr int kTatShift = 8;
struct alignas(kCacheLine) Pacing {
    alignas(kCacheLine) AI64 tat;
    alignas(kCacheLine) AI64 tank;
    A64 produced; // classic tokens put into the tank, all time
    A64 granted;  // grants of clients without a slot, and of slots since freed (see totalGranted)
    AI64 last_token_ns; // classic: when the throttle process last added a token (monotonic)
    alignas(kCacheLine) AI64 window_lock_pid;
    A64 window_count; // grants recorded in window_ring
    AI64 window_ring[kWindowRingSize];
};

struct alignas(kCacheLine) WorkerSlot {
    AI64 pid;
    A64 start_ticks;
    A32 state;
    A32 kind; // 0 worker process, 1 in-process client
    A64 grants;
    A64 emits;
    AI64 last_grant_ns;
    AI64 attached_ns;
    AI64 waiting_since_ns; // when its current await_fuel began: the oldest waiter goes first
};

struct alignas(kCacheLine) Helpers {
    AI64 throttle_pid;
    AI64 monitor_pid;
    AI64 throttle_heartbeat_ns;
    AI64 monitor_heartbeat_ns;
    AI64 throttle_cpu_ns;
    AI64 monitor_cpu_ns;
    A64 reclaimed_worker_slots;
    AI64 last_reclaimed_pid;
};

struct EmissionEntry {
    A64 seq; // index + 1 once the entry is fully written
    AI64 grant_ns;
    AI64 emit_ns;
    A64 worker; // slot index, or kMaxWorkers for an anonymous emitter
};

struct alignas(kCacheLine) EmissionRing {
    alignas(kCacheLine) A64 head;     // next index to claim (writers)
    alignas(kCacheLine) A64 tail;     // next index to read (the monitor)
    alignas(kCacheLine) A64 overflow; // emissions dropped because the ring was full
    A64 emitted;                      // emissions accepted, all time
    A64 abandoned; // entries claimed by a writer that never finished them (also in overflow)
    // The monitor parks when nothing arrives; the first emission after that wakes it. Read
    // by every emitter, written rarely: its own line.
    alignas(kCacheLine) A32 monitor_parked;
    A32 monitor_wake;
    EmissionEntry entries[kEmissionRingSize];
};

// The monitor's published statistics, as 64-bit words under a sequence lock: readers copy
// and retry while `seq` is odd or moved. Doubles are stored as their bits.
struct StatsWords {
    static constexpr std::size_t kCount = 48 + kGapHistogramBuckets;
    A64 word[kCount];
};
struct alignas(kCacheLine) Stats {
    A64 seq;
    StatsWords data;
};

struct HistoryPoint {
    A64 seq;
    AI64 t_ns;
    A64 latest_rate_bits;
    A64 mean_rate_bits;
    A64 hi_lo_rate_bits;
    A64 lo_hi_rate_bits;
    A64 target_rate_bits;
    AI64 available;
    A64 total;
};
struct alignas(kCacheLine) History {
    A64 head;
    HistoryPoint points[kHistorySize];
};

struct Segment {
    Header header;
    Config config;
    Control control;
    Helpers helpers;
    Pacing pacing;
    WorkerSlot workers[kMaxWorkers];
    EmissionRing emissions;
    Stats stats;
    History history;
};

static_assert(std::is_standard_layout_v<Segment>);
constexpr std::size_t kSegmentSize = sizeof(Segment);

} // namespace throttlelab::shm
