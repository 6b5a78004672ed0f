#pragma once
// The GUI's facade over the engine: owns the named Throttle (whose helpers are real
// processes) and the worker processes it starts, and reports what happens as signals carrying
// value structs. Everything it reads on a timer is a lock-free read of shared memory; the
// throttle starts and stops without waiting (Throttle::beginStart/beginStop) and the workers
// are a ProcessSupervisor's, so the GUI thread never waits on a process except when the
// session ends (shutdown()).
#include "experiment.h"
#include "process_supervisor.h"
#include "stats_channel.h"
#include "throttle.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QTimer>
#include <QVector>
#include <deque>
#include <memory>

namespace throttlelab::ui {

struct WorkerRow {
    qint64 pid = 0;
    bool own = false;  // started by this app (else joined from outside)
    bool alive = true; // holds a slot, or a started process not yet attached
    QString state;     // idle / waiting / working / starting / ending, or ProcessExit::describe()
    std::uint64_t permits = 0;
    double last_permit_age_s = -1; // -1: none yet
    // Permits/s over the monitor's window (the last `per` seconds, at least 1 s), and this
    // worker's share of all permits granted in it: the rates add up to the total rate and the
    // shares to 100%.
    double rate = 0;
    double share_percent = 0;
};

struct SessionStatus {
    bool running = false;
    double runtime_s = 0;
    std::uint64_t total = 0;
    double mean_rate = 0;
    double latest_rate = 0;
    double target_rate = 0;
    int workers_alive = 0;
    // A helper silent past the stall bound: its figures (monitor) or permits (classic
    // throttle) are stale until the session's supervision replaces it.
    bool monitor_stalled = false, throttle_stalled = false;
};

class EngineSession : public QObject {
    Q_OBJECT
public:
    explicit EngineSession(const QString& name, QObject* parent = nullptr);
    ~EngineSession() override;

    QString name() const { return name_; }
    // Starts the throttle with the current settings and the wanted number of workers, without
    // waiting: runningChanged(true) follows once its helpers are ready, and the workers then.
    // Returns an error found at once (also logged), or empty; a later failure is logged.
    QString start();
    // Sets the kill flag and returns; runningChanged(false) follows once the helpers ended.
    void stop();
    // stop(), then start() once stopped; totals carry over, as in the reference.
    QString restart();
    // A clean run: stop (when running), start the figures over (total, run time, statistics,
    // the worker table's ended rows) and start with the current settings. cleanRunStarted()
    // follows once it runs, so views clear what they show. Loading a preset or an experiment,
    // Restart and "Reset statistics" in the app do this.
    QString startCleanRun();
    // Ends every process this session started and the throttle; the destructor calls it.
    void shutdown();
    // Running or starting: false from the moment stop() is called.
    bool isRunning() const;

    // Live changes. Each returns the validation error (nothing applied) or empty.
    ConfigError applyConfig(const ThrottleConfig& config);
    QString setWorkProfile(const QString& profile);
    void setWorkerCount(int count);
    // Loads settings, profile and worker count at once, live.
    QString applyExperiment(const Experiment& experiment);

    ThrottleConfig config() const;
    int workerCount() const { return wanted_workers_; }
    QString workProfile() const { return work_profile_; }
    Experiment currentExperiment() const;

    // SIGKILL, as a crash would: shows that a dead worker wedges nothing.
    bool killWorker(qint64 pid);
    QList<qint64> ownWorkerPids() const;
    QList<qint64> helperPids() const;

    // Lock-free reads of the shared segment; empty results before the first start.
    std::vector<HistorySample> readHistory(std::uint64_t after, std::uint64_t* next) const;
    StatsSnapshot stats() const;
    RunInfo runInfo() const;
    SessionStatus status() const;
    const QVector<WorkerRow>& workerRows() const { return rows_; }
    // Where a program is looked up; tests point it at a missing one.
    void setWorkerProgram(const QString& path) { worker_program_override_ = path; }
    // The CSV the monitor writes one row per permit to (takes effect at the next start).
    void setEmissionLog(const QString& path) { emission_log_ = path; }
    // Shares the budget with other machines through Redis (empty: this machine only), with
    // what to do while Redis is gone (unset: the engine's default for the hardcap). Checked
    // at once: a bad URL, or classic mode, is refused with the reason and nothing changes.
    // A throttle keeps its backend for life, so a running one starts over (a clean run).
    QString setBackend(const QString& url, std::optional<BackendLossPolicy> policy = {});
    QString backendUrl() const { return backend_url_; }
    std::optional<BackendLossPolicy> backendPolicy() const { return backend_policy_; }
    // The link as the throttle process reports it (empty url before a start or when local).
    BackendInfo backendInfo() const;
    QString emissionLog() const { return emission_log_; }

Q_SIGNALS:
    void logged(const QString& line);
    void runningChanged(bool running);
    void configChanged(const throttlelab::ThrottleConfig& config);
    void workersUpdated(const QVector<throttlelab::ui::WorkerRow>& rows);
    void cleanRunStarted();
    // Something worth a marker on the timeline, in a few words: a setting changed and to what,
    // workers added or removed, a worker crashed, a helper replaced, a start or a stop.
    void happened(const QString& what);

private:
    struct OwnWorker {
        ProcessId id = 0;
        qint64 pid = 0;
        bool ending = false; // asked to end: its exit is not news
        int run = 0;         // the clean run it was started in
    };
    struct Exited {
        qint64 pid;
        QString state;
        std::uint64_t permits;
    };
    void log(const QString& line);
    void spawnWorker();
    void endWorker(OwnWorker& w);
    // SIGKILLs the workers of a stopped run that have not ended yet; their exits still come
    // through onWorkerExited.
    void killEndingWorkers();
    void reconcileWorkers();
    void onWorkerExited(const ProcessExit& exit);
    void onThrottleStarted();
    void onThrottleStopped(const RunSummary& r);
    void poll();
    QString workerProgram() const;

    QString name_;
    ThrottleConfig config_;
    QString backend_url_;
    std::optional<BackendLossPolicy> backend_policy_;
    bool replace_throttle_ = false; // its backend changed: a new owner at the next start
    int wanted_workers_ = 0;
    QString work_profile_ = QStringLiteral("none");
    std::unique_ptr<Throttle> throttle_;
    QList<OwnWorker> own_;
    QList<Exited> exited_;
    QHash<qint64, std::uint64_t> last_permits_;
    // Each worker's (time, permits) at each poll within the rate window.
    QHash<qint64, std::deque<std::pair<Nanos, std::uint64_t>>> grant_samples_;
    QHash<qint64, bool> seen_external_;
    QVector<WorkerRow> rows_;
    ProcessSupervisor workers_;
    QTimer poll_timer_;
    bool start_when_stopped_ = false; // restart(): start again once the stop is done
    bool clean_run_pending_ = false;  // the next start resets the figures first
    int clean_runs_ = 0;              // a worker of an earlier clean run ends unseen
    // Own workers that have ended: a slot of theirs still attached (the monitor frees it
    // shortly) is theirs, not an outside worker's. Bounded: the oldest are forgotten.
    QList<qint64> ended_pids_;
    QString worker_program_override_;
    QString emission_log_;
    bool shutting_down_ = false;
};

} // namespace throttlelab::ui

Q_DECLARE_METATYPE(throttlelab::ThrottleConfig)
Q_DECLARE_METATYPE(throttlelab::ui::WorkerRow)
