#pragma once
// A process's handle on a running throttle, found by name: what workers, observers, the
// throttle and monitor processes, the GUI and the C interface all use. Taking fuel is a few
// atomic operations on the shared segment; nothing here holds a lock another process needs.
//
// The contract, for every process attached to one throttle together:
// - Rate. In exact mode the permits granted over any span of time t are at most
//   max_n * t / per plus what the hardcap lets bank: one permit with `one`, max_n with
//   `limit`, all that is owed since the start with `none`; with `window` no sliding window of
//   length `per` ever holds more than max_n, even after idle or a restart. Classic mode is
//   the reference's sleep loop: its rate drifts below the target by the loop's own cost,
//   which `correction` (calibration) compensates.
// - Order. Waiters are served oldest first, in both modes (up to 500k permits/s): a later
//   waiter takes a permit only when enough are available for every older one. An older
//   waiter that does not take its permit within 2 ms (stopped, descheduled, dead) loses that
//   turn; it has its place back once it runs again, so nobody waits for a stopped one twice.
// - Changes. A live change (setConfig, changeConfig) wakes every waiter at once; each
//   recomputes under the new settings, keeping what was banked or owed. No change creates a
//   permit, a mode switch included.
// - Leaving. A waiter that times out or is killed takes nothing with it. A process killed at
//   any instruction costs at most the permit it held; the monitor frees its slot.
// - Counting. Every grant is counted once: granted = counted + abandoned + overflow, where
//   overflow is only a full emission ring (the monitor stopped or starved), never silent.
// All of it is measured by `throttlectl bench` and tested in tests/integration.
#include "config_channel.h"
#include "options.h"
#include "shared_segment.h"
#include "statistics.h"
#include "stats_channel.h"

#include <QString>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

namespace throttlelab {

struct PacingParams;

enum class WaitResult { Granted, TimedOut, Killed, Gone };

// How a process joins a throttle. A worker takes a slot in the segment (pid, state, its own
// count of grants) that the monitor frees when the process dies; an observer (inspect, the
// app's charts, a config writer) takes none and is invisible to the others.
enum class AttachAs { Observer, Worker };

// Helpers heartbeat every 100-400 ms. One silent for kHelperStallReport is reported as
// stalled (inspect, the app); one silent for kHelperStallBound is stopped or stuck, and its
// owner kills and replaces it.
constexpr Nanos kHelperStallReport = 1 * kNanosPerSecond;
constexpr Nanos kHelperStallBound = 2 * kNanosPerSecond;
QString toString(WaitResult r);

// What a worker is doing, as its slot says.
enum class WorkerState { Free, Idle, Waiting, Working };

struct WorkerInfo {
    int slot = 0;
    qint64 pid = 0;
    WorkerState state = WorkerState::Free;
    std::uint64_t grants = 0;
    std::uint64_t emits = 0;
    Nanos last_grant_ns = 0; // monotonic
    Nanos attached_ns = 0;
};

struct RunInfo {
    bool running = false;
    bool killed = false;
    bool stop_requested = false;
    std::uint32_t run_epoch = 0;
    Nanos runtime_ns = 0;
    qint64 owner_pid = 0, throttle_pid = 0, monitor_pid = 0;
    Nanos throttle_cpu_ns = 0, monitor_cpu_ns = 0;
    std::uint64_t granted = 0, produced = 0, emitted = 0, overflow = 0, abandoned = 0;
    std::uint64_t reclaimed_worker_slots = 0;
    // Waits that lost their oldest-first turn because their process did not run in time.
    std::uint64_t waits_passed_over = 0;
    std::uint64_t helper_restarts = 0, helper_stalls = 0;
    // Time since each helper's last heartbeat; past kHelperStallReport it is stalled.
    Nanos throttle_silent_ns = 0, monitor_silent_ns = 0;
    bool throttle_stalled = false, monitor_stalled = false;
    int log_errno = 0;       // the permit log could not be written (0: fine, or no log)
    long long available = 0; // permits that could be taken now, -1 unbounded
    std::uint32_t waiters = 0;
    bool as_throttle = true, as_monitor = true;
};

// A throttle that shares one budget with other machines (ThrottleOptions::backend_url): how
// its link stands. Empty url: the throttle is this machine's own.
struct BackendInfo {
    QString url;
    QString state;          // "connecting", "connected", "lost"
    QString policy;         // closed, open or local
    QString feed;           // "leased", "open (no limit)", "local share 33 per 1 s", "closed"
    Nanos state_for_ns = 0; // how long it has been in that state
    int machines = 0;       // machines seen sharing the key, this one too
    int outages = 0;
    std::uint64_t calls = 0, leased = 0, returned = 0;
    std::uint64_t budget_taken = 0; // every machine's permits in the last window
    double budget_rate = 0;         // every machine's latest rate, summed
    QString error;                  // the last failure, if any
    bool shared() const { return !url.isEmpty(); }
};

class ThrottleClient {
public:
    // Joins the throttle `name`; null, with the reason in `error`, when there is none or its
    // layout is another version. A worker that finds all kMaxWorkers slots taken still takes
    // fuel, anonymously: it is then in no workers() list and its grants count as a freed
    // slot's.
    static std::unique_ptr<ThrottleClient> attach(const QString& name, AttachAs as, QString* error);
    // For the owner, over the segment it created.
    ThrottleClient(std::shared_ptr<SharedSegment> segment, AttachAs as);
    ~ThrottleClient();
    ThrottleClient(const ThrottleClient&) = delete;
    ThrottleClient& operator=(const ThrottleClient&) = delete;

    // Non-blocking take: true when a permit was granted.
    bool hasFuel();
    // Blocking take without busy polling, without a deadline or within `timeout`. Returns at
    // once when the kill flag is set, and Gone when the throttle's owner died.
    WaitResult awaitFuel();
    WaitResult awaitFuel(std::chrono::duration<double> timeout);
    // A manual emission for the last permit, now or at a monotonic time. Refused (false) when
    // auto_emit is on, since every grant has emitted already.
    bool emit() { return emitAt(monotonicNow()); }
    bool emit(Nanos monotonic_ns) { return emitAt(monotonic_ns); }

    ThrottleConfig config() const;
    // Applies a live change of every field; returns the validation error, or empty when
    // applied. Waiters wake and recompute at once.
    ConfigError setConfig(const ThrottleConfig& c);
    // Applies a change of only the fields `patch` sets, merged into the configuration current
    // at that moment (so two processes changing different fields at once both win).
    ConfigError changeConfig(const ConfigPatch& patch, ThrottleConfig* applied = nullptr);
    StatsSnapshot stats() const;
    RunInfo runInfo() const;
    BackendInfo backendInfo() const;
    std::vector<WorkerInfo> workers() const;
    bool killed() const;
    // Sleeps until the kill flag is set (Killed, at once if it is), `timeout` (TimedOut; none
    // when absent) or the owner's death (Gone). Any grant-relevant event wakes it to re-check.
    WaitResult awaitKill(std::optional<std::chrono::duration<double>> timeout);
    // Clears the kill flag and a pending stop request. It restarts nothing: a stopped run
    // grants no permit until its owner starts it again (which clears the flag itself).
    void clearKillFlag();
    bool ownerAlive() const { return segment_->ownerAlive(); }
    // Asks the owner to stop (throttlectl stop): sets the kill flag and stop_requested.
    void requestStop();
    // Someone asked the owner to stop (requestStop), and the owner has not started again.
    bool stopRequested() const;
    int workerSlot() const { return slot_; }
    // The throttle's name, as attached.
    QString name() const;
    // Permits handed out, all time (every worker's own count, and the freed slots').
    std::uint64_t granted() const;
    // Exact mode: when the next permit is due (monotonic), from the pacer. Classic mode: when
    // the throttle process added its latest token. A waiter's wake-up latency is measured
    // from these (the bench).
    Nanos nextPermitDue() const;
    Nanos lastTokenAdded() const;
    // The monitor's history points appended after `after` (indexes count from 1), oldest
    // first; `*next` is where the next read starts.
    std::vector<HistorySample> history(std::uint64_t after, std::uint64_t* next) const;

private:
    // The engine's own files reach the segment through segment_access.h.
    friend SharedSegment& sharedSegmentOf(const ThrottleClient& client);
    shm::Segment& data() const { return segment_->data(); }

    const PacingParams& params();
    void recordGrant(Nanos grant_monotonic);

    std::shared_ptr<SharedSegment> segment_;
    WaitResult awaitFuelUntil(std::optional<Nanos> deadline);
    bool emitAt(Nanos monotonic_ns);
    int slot_ = -1;
    pid_t pid_ = 0;
    std::uint64_t params_generation_ = ~std::uint64_t(0);
    std::uint64_t params_feed_ = 0;
    std::unique_ptr<PacingParams> params_;
    bool auto_emit_ = true;
    Nanos last_grant_ns_ = 0;
    Nanos last_owner_check_ns_ = 0;
    Nanos oversleep_ns_ = 10 * kNanosPerMicro; // how late this process's timed sleeps end
    bool owner_gone_ = false;
    // The last wait that timed out: when it ended and since when it had waited.
    Nanos last_timed_out_ns_ = std::numeric_limits<Nanos>::min() / 2;
    Nanos resumed_waiting_since_ns_ = 0;
};

} // namespace throttlelab
