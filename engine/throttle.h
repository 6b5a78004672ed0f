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
// - start() returns once both helpers have said they are attached and see the kill flag;
//   stop() sets the kill flag for every worker at once and returns within about a second,
//   whatever the workers do. Both are idempotent. beginStart() and beginStop() do the same
//   without waiting, for an event loop that must never block (the app): started(),
//   startFailed() or stopped() follows.
// - Totals and run time carry over across stop() and start() of the same owner; the run
//   time counts up to the kill flag, not to when the processes were done.
// - A helper that dies is restarted, one silent for 2 s is killed and replaced (at most 20
//   times a minute, then it stays down and helperGaveUp() says so), by a ProcessSupervisor on
//   the owner's event loop; a program without one calls superviseHelpers() now and then.
//   Statistics lose nothing across a replacement.
#include "calibration.h"
#include "helper_process.h"
#include "options.h"
#include "process_supervisor.h"
#include "throttle_client.h"

#include <QObject>
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

class Throttle : public QObject {
    Q_OBJECT
public:
    explicit Throttle(ThrottleOptions options, QObject* parent = nullptr);
    ~Throttle() override; // stops (waiting) and detaches

    // Returns an error line, or empty once the helpers are ready. Idempotent. Waits (a local
    // event loop) for the helpers: for programs without a window.
    QString start();
    // Idempotent; bounded by about 1 s even with many waiters or a flooded monitor.
    RunSummary stop();
    // The same, never waiting. beginStart() returns an error found at once (bad options, a
    // name in use, no helper executable) or empty, and then started() or startFailed()
    // follows; beginStop() is followed by stopped().
    QString beginStart();
    void beginStop();
    enum class State { Stopped, Starting, Running, Stopping };
    State state() const { return state_; }
    bool isRunning() const { return state_ == State::Running; }
    // For a program without an event loop: collects helper exits and stalls (restarting the
    // helpers as on an event loop) and returns which helpers were replaced since the last
    // call, and in `reasons` (when given) why, one line each.
    QStringList superviseHelpers(QStringList* reasons = nullptr);

    // The reference's methods, on this process's own handle.
    bool hasFuel() { return client().hasFuel(); }
    WaitResult awaitFuel() { return client().awaitFuel(); }
    WaitResult awaitFuel(std::chrono::duration<double> timeout) {
        return client().awaitFuel(timeout);
    }
    bool emit() { return client().emit(); }
    bool emit(Nanos monotonic_ns) { return client().emit(monotonic_ns); }
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
    // Starts the figures over (a clean run): the next start() counts its total, run time and
    // statistics from zero instead of carrying them over. Refused (false) unless stopped.
    bool resetFigures();
    // The permit log of the next start() (empty: none); refused (false) unless stopped. The
    // same owner keeps its segment across runs, so nothing has to be recreated for it.
    bool setLogPath(const QString& path);
    // Valid after the first successful start().
    ThrottleClient& client() const { return *client_; }
    bool attached() const { return client_ != nullptr; }

Q_SIGNALS:
    void started();
    void startFailed(const QString& error);
    void stopped(const throttlelab::RunSummary& summary);
    void helperReplaced(const QString& role, const QString& reason);
    void helperGaveUp(const QString& reason);

private:
    ProcessSpec helperSpec(const QString& role) const;
    void onHelperReady();
    void onHelperExited(const ProcessExit& exit);
    void failStart(const QString& error);
    void finishStopIfDone();
    void finishStop();
    QList<ProcessId> helperIds() const;
    ThrottleOptions options_;
    std::shared_ptr<SharedSegment> segment_;
    std::unique_ptr<ThrottleClient> client_;
    ProcessSupervisor helpers_;
    ProcessId monitor_ = 0, throttle_ = 0;
    // A monitor started for the last round of a stop, when the run's own died before it.
    ProcessId last_round_monitor_ = 0;
    bool monitor_did_last_round_ = true;
    State state_ = State::Stopped;
    QString start_error_; // why the current start is failing
    int start_generation_ = 0;
    QStringList replaced_, replaced_reasons_; // since superviseHelpers() last returned them
    RunSummary last_summary_;
};

} // namespace throttlelab

Q_DECLARE_METATYPE(throttlelab::RunSummary)
