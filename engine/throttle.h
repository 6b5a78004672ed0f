#pragma once
// The owner of a named throttle: mp_throttle's Throttle object. start() creates the shared
// segment (or reclaims one whose owner died) and runs the throttle and monitor as real
// processes; stop() ends them within a second and reports the run. Any process can join the
// same throttle by name with ThrottleClient, whose header states what every taker of fuel is
// guaranteed.
//
// The owner's own contract:
// - One owner per name at a time: start() refuses a name whose owner lives. A dead owner's
//   segment is reclaimed, never reused, so a new run's figures are its own.
// - start() returns once both helpers are attached and see the kill flag; stop() sets the
//   kill flag for every worker at once and returns within about a second, whatever the
//   workers do. Both are idempotent.
// - Totals and run time carry over across stop() and start() of the same owner; the run
//   time counts up to the kill flag, not to when the processes were done.
// - A helper that dies is restarted, one silent for 2 s is killed and replaced, each by
//   superviseHelpers(), which the owner calls now and then; statistics lose nothing across a
//   replacement.
#include "calibration.h"
#include "child_process.h"
#include "helper_process.h"
#include "options.h"
#include "throttle_client.h"

#include <QString>
#include <memory>

namespace throttlelab {

// stop()'s answer, the reference's 4-tuple: totals and runtime carry over across restarts.
struct RunSummary {
    double runtime_s = 0;
    std::uint64_t total = 0;
    double mean_interval_s = 0; // 0 when nothing was emitted
    double mean_rate = 0;
};

class Throttle {
public:
    explicit Throttle(ThrottleOptions options);
    ~Throttle(); // stops and detaches
    Throttle(const Throttle&) = delete;
    Throttle& operator=(const Throttle&) = delete;

    // Returns an error line, or empty on success. Idempotent: a second start() is a no-op.
    QString start();
    // Idempotent; bounded by about 1 s even with many waiters or a flooded monitor.
    RunSummary stop();
    bool isRunning() const { return running_; }
    // Restarts a throttle or monitor process that died, and kills and replaces one whose
    // heartbeat is older than kHelperStallBound (stopped or stuck). Call it now and then (the
    // CLI does every 50 ms, the GUI every 500 ms); returns which helpers it replaced, and in
    // `reasons` (when given) why, one line each.
    QStringList superviseHelpers(QStringList* reasons = nullptr);

    // The reference's methods, on this process's own handle.
    bool hasFuel() { return client().hasFuel(); }
    WaitResult awaitFuel(double timeout_s = -1) { return client().awaitFuel(timeout_s); }
    bool emit(Nanos monotonic_ns = -1) { return client().emit(monotonic_ns); }
    RatePair latest() const { return stats().latest; }
    RatePair mean() const { return stats().mean; }
    RatePair hiLo() const { return stats().hi_lo; }
    RatePair loHi() const { return stats().lo_hi; }
    StatsSnapshot stats() const;
    // Measures this throttle's classic loop and sets its correction (reference: _calibrate).
    CalibrationResult calibrate(const CalibrationProgress& progress = {});
    void setKillFlag();

    // A live change of every field, like ThrottleClient::setConfig; before the first start()
    // it only sets what start() will use.
    ConfigError setConfig(const ThrottleConfig& c);
    ThrottleConfig config() const;
    const ThrottleOptions& options() const { return options_; }
    // The permit log of the next start() (empty: none); refused (false) while running. The
    // same owner keeps its segment across runs, so nothing has to be recreated for it.
    bool setLogPath(const QString& path);
    // Valid after the first successful start().
    ThrottleClient& client() const { return *client_; }
    bool attached() const { return client_ != nullptr; }

private:
    QString startHelper(ChildProcess& child, const QString& role, MonitorStart how);
    ThrottleOptions options_;
    std::shared_ptr<SharedSegment> segment_;
    std::unique_ptr<ThrottleClient> client_;
    ChildProcess throttle_process_;
    ChildProcess monitor_process_;
    bool running_ = false;
    RunSummary last_summary_;
};

} // namespace throttlelab
