#pragma once
// The layout of one throttle's shared-memory segment. Every process maps it at a different
// address, so it holds no pointers: only lock-free atomics and plain numbers. Bump
// kLayoutVersion whenever anything here changes; an attach refuses any other version.
//
// Any process may die (SIGKILL) or stall (SIGSTOP) at any instruction, so every structure
// below says who writes it, what a writer that dies or stops halfway leaves, and how readers
// and a replacement writer recover. docs/recovery.md collects these rules in one table.
#include "clock.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace throttlelab::shm {

constexpr std::uint64_t kMagic = 0x42414c54544f5254ull; // "TROTTLAB" little-endian
constexpr std::uint32_t kLayoutVersion = 5;
constexpr std::size_t kCacheLine = 64;
constexpr std::size_t kMaxWorkers = 64;
// The monitor keeps entries in the ring until its figures count them: about 20 ms (its lag
// for out-of-order arrivals) plus one round. 2^20 entries (32 MiB) hold 80 ms of the
// fastest flood two processes offer here (13M/s), where 2^18 lost a third of it.
constexpr std::size_t kEmissionRingSize = 1u << 20;
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

// One complete configuration, as the writer left it.
struct ConfigValues {
    AI64 max_n;
    AI64 per_ns;
    A32 hardcap;
    A32 mode;
    A64 correction_bits; // a double
    AI64 rf_rate_ns;
    A32 auto_emit;
};

// Live configuration, double buffered. Writers: any attached process, one at a time under
// `writer_pid` (a lock word holding the holder's pid). A writer fills the slot that is not
// published, then publishes it with one store of `published` ((generation << 1) | slot), so
// a reader never sees a half-applied change. Recovery: a writer that dies mid-write leaves
// only the unpublished slot torn and its pid in `writer_pid`; the next writer sees that pid
// is dead and takes the lock over. A writer that stops while holding the lock makes other
// writers give up with an error naming its pid; readers are never blocked.
struct alignas(kCacheLine) Config {
    A64 published;
    AI64 writer_pid;
    A32 as_throttle; // fixed at creation
    A32 as_monitor;  // fixed at creation
    ConfigValues slot[2];
};

// Run control. `wake` is the one futex word every waiter sleeps on: any grant-relevant event
// (a classic token, a config change, the kill flag) bumps it. Writers: the owner (run state,
// epoch, runtime) and any process (kill, stop_requested). Each field is one atomic store, so
// a writer that dies leaves nothing half-done; `waiters` is a hint only (a waiter killed
// inside await_fuel leaves it one too high, which costs a fairness check, never a permit).
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
    // The permits granted before the owner last reset its figures (a clean run): the total
    // counts from there. Written by the owner while stopped.
    A64 granted_base;
    // Waits passed over because their process did not run within the 2 ms a younger waiter
    // yields to it (descheduled or stopped): each costs that wait one turn of oldest-first
    // order. Any waiter adds one when it marks a wait passed over.
    A64 waits_passed_over;
};

// Grant state. exact mode: `tat` (theoretical arrival time of the next permit, in 1/256 ns
// since the segment's creation) moved by one CAS per grant. classic mode: `tank`, filled by
// the throttle process. Both modes record grants in `window_ring` for the window hardcap.
// Writers: every worker (one CAS per grant: a death leaves either the old or the new value),
// the throttle process (tank), config writers (rescaling). The window ring is written only
// under `window_lock_pid`, a lock word holding its holder's pid: a holder that dies inside
// the few instructions it is held is seen dead and its lock taken over; the count is stored
// after the time, so a death between them leaves that grant unrecorded, never a torn one.
// A worker killed between its grant and recording it takes one permit with it: it is neither
// granted (in any slot) nor counted, so conservation holds; the rate loses that one permit.
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

// Writer: the worker that holds the slot (pid); the monitor frees the slot of a dead one
// (releaseWorkerSlot folds its grants into Pacing::granted first). A stopped worker keeps
// its slot; a waiter that yielded to it in vain marks its wait `passed_over_since` so no
// one yields to that wait again, until the worker runs again and clears the mark itself (a
// stopped one cannot, so nobody waits for it twice).
struct alignas(kCacheLine) WorkerSlot {
    AI64 pid;
    A64 start_ticks;
    A32 state;
    A32 kind; // 0 worker process, 1 in-process client
    A64 grants;
    A64 emits;
    AI64 last_grant_ns;
    AI64 attached_ns;
    AI64 waiting_since_ns;  // when its current await_fuel began: the oldest waiter goes first
    AI64 passed_over_since; // == waiting_since_ns: this wait was skipped as stalled
};

// Writers: each helper its own fields (pid, heartbeat every 100-400 ms, CPU time); the
// owner's supervision the counters. A helper whose heartbeat is older than the stall bound
// is reported, killed and replaced by the owner.
struct alignas(kCacheLine) Helpers {
    AI64 throttle_pid;
    AI64 monitor_pid;
    AI64 throttle_heartbeat_ns;
    AI64 monitor_heartbeat_ns;
    AI64 throttle_cpu_ns;
    AI64 monitor_cpu_ns;
    A64 reclaimed_worker_slots;
    AI64 last_reclaimed_pid;
    A64 helper_restarts; // helpers that died and were restarted
    A64 helper_stalls;   // helpers that stopped answering and were replaced
    // The permit log could not be written (the errno; 0 while fine). The log then keeps its
    // last whole row and stays closed for the rest of the run; the owner reports it.
    A32 log_errno;
};

// Where the permits come from. Local: this segment's own pacer (no backend). The others are
// set by a throttle process that shares one budget through a backend (engine/backend):
// Leased, the tank holds permits that process leased from the backend; Open, no limit while
// the backend is unreachable (policy open); Share, this segment's own exact pacer at
// `share_max_n` per `per` while it is unreachable (policy local). Policy closed keeps Leased
// and adds nothing. One word, (share_max_n << 8) | kind, so a worker sees kind and share
// together; it re-derives its pacing parameters whenever the word moves.
enum class FeedKind : std::uint32_t { Local = 0, Leased = 1, Open = 2, Share = 3 };
constexpr std::uint64_t packFeed(FeedKind kind, std::uint64_t share_max_n) {
    return (share_max_n << 8) | std::uint64_t(kind);
}
constexpr FeedKind feedKind(std::uint64_t feed) {
    return FeedKind(feed & 0xff);
}
constexpr std::int64_t feedShare(std::uint64_t feed) {
    return std::int64_t(feed >> 8);
}

enum class BackendState : std::uint32_t { None = 0, Connecting = 1, Connected = 2, Lost = 3 };
constexpr std::size_t kBackendTextSize = 512;

// A shared budget's link. Writers: the owner writes `url` and `policy` before its helpers
// start (fixed for the run); the throttle process writes everything else, each field one
// store (a death leaves the last value; its replacement rewrites them all). `error` holds
// the last failure as NUL-terminated text, written before `error_seq` moves.
struct alignas(kCacheLine) Backend {
    A64 feed;
    A32 state;
    A32 policy;           // BackendLossPolicy
    A32 machines;         // machines seen sharing the key in the last few seconds, this one too
    A32 outages;          // times the backend became unreachable in this segment's life
    AI64 since_ns;        // when `state` last changed (monotonic)
    A64 calls;            // calls to the backend, all time
    A64 leased;           // permits leased from the backend, all time
    A64 returned;         // leased permits given back unused
    A64 budget_taken;     // permits every machine took in the last window, as the backend counts
    A64 budget_rate_bits; // the whole budget's rate (a double): every machine's last rate
    A64 error_seq;
    char url[kBackendTextSize];
    char error[kBackendTextSize];
    // The throttle process sleeps on this futex word; a taker refused while the permits come
    // from the backend bumps it, so a lease is asked for at once (writers: every taker).
    alignas(kCacheLine) A32 demand;
    // 1 while the throttle process sleeps on `demand`: only then does a taker pay the wake
    // system call (a refused taker in a busy loop would otherwise make one per try).
    A32 throttle_parked;
};

struct EmissionEntry {
    A64 seq; // index + 1 once the entry is fully written
    AI64 grant_ns;
    AI64 emit_ns;
    // The emitting process (stamped when it emitted: its slot may be gone since) in the high
    // 32 bits, its slot index (kMaxWorkers for an anonymous emitter) in the low 32: one
    // word, so an entry is 32 bytes and the ring half a cache line per emission.
    A64 origin;
};
constexpr std::uint64_t packOrigin(std::int64_t pid, std::uint32_t worker) {
    return (std::uint64_t(std::uint32_t(pid)) << 32) | worker;
}
constexpr std::int64_t originPid(std::uint64_t origin) {
    return std::int64_t(origin >> 32);
}
constexpr std::uint32_t originWorker(std::uint64_t origin) {
    return std::uint32_t(origin);
}
static_assert(sizeof(EmissionEntry) == 32);

// Writers: every emitter claims an index by CAS on `head`, fills the entry, then sets its
// seq. Reader: the one monitor. `tail` moves only after the statistics that count the
// entries below it are published (Stats carries the same cursor), so a monitor killed at any
// point loses nothing: its replacement resumes at the published cursor. An entry claimed by
// an emitter that died before setting seq is skipped after 200 ms and counted as abandoned.
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

// The monitor's published statistics, as 64-bit words (doubles as their bits), double
// buffered: the monitor writes the buffer that is not published, under that buffer's own
// sequence word, then publishes it with one store of `published` ((count << 1) | buffer).
// Readers copy the published buffer and retry only if the writer lapped them. Recovery: a
// monitor that dies or stops mid-write leaves only the unpublished buffer torn (its seq odd);
// readers never look at it, and a replacement writes over it.
struct StatsWords {
    static constexpr std::size_t kCount = 48 + kGapHistogramBuckets;
    A64 word[kCount];
};
struct StatsBuffer {
    A64 seq;
    StatsWords data;
};
struct alignas(kCacheLine) Stats {
    A64 published;
    StatsBuffer buffer[2];
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
// Writer: the monitor. Each point has its own seq (0 while being written, its index once
// complete); `head` moves after the point. Recovery: a point left half-written by a dead
// monitor keeps a seq that is not its index, so readers skip it; the replacement appends
// after `head`, over it.
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
    Backend backend;
    WorkerSlot workers[kMaxWorkers];
    EmissionRing emissions;
    Stats stats;
    History history;
};

static_assert(std::is_standard_layout_v<Segment>);
constexpr std::size_t kSegmentSize = sizeof(Segment);

} // namespace throttlelab::shm
