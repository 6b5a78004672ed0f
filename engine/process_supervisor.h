#pragma once
// The one place ThrottleLab starts, watches, restarts and ends its child processes: the
// throttle and monitor helpers, the app's and the CLI's workers, batch job workers. It never
// waits: a start, an exit, a readiness line or a stall arrives as a signal on the owner's event
// loop, so a window that supervises processes stays responsive. Programs without an event loop
// (a benchmark, a calibration thread) call the wait... functions, which drive the same
// signals while they block.
//
// What it guarantees:
// - Every process it started is ended and reaped by the time it is destroyed.
// - A process that was asked to end (end(), endAll()) and has not after its grace period is
//   killed; its exit is reported with `asked` set, so "stopped" is never shown as a crash.
// - A process whose spec says so is restarted when it dies unasked, or when its heartbeat is
//   older than its stall bound (it is killed first), at most `budget.restarts` times in any
//   `budget.window`; past that it stays down and giveUp() says so.
#include "clock.h"

#include <QList>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace throttlelab {

using ProcessId = int;

// Whether this thread can run timers and socket notifiers (a QThread, or the main thread of
// a Q*Application). Without one the supervisor still works, through its wait... functions.
bool hasEventLoop(); // the supervisor's own handle; it outlives restarts, a pid does not

struct RestartBudget {
    int restarts = 0;                   // 0: never restarted automatically
    std::chrono::milliseconds window{}; // zero: over the whole life of the supervisor
};

struct ProcessSpec {
    QString label; // names it in messages: "monitor", "worker 3"
    QString program;
    QStringList args;
    QStringList restart_args; // a replacement's arguments; empty: the same as `args`
    // The program prints the line "ready" on stdout once it is of use (a helper: attached to
    // the segment); ready() follows. Its other stdout lines are dropped.
    bool announces_ready = false;
    // Its stdin and stdout belong to the owner (process()), not discarded: a job worker reads
    // keys and writes results.
    bool owner_talks = false;
    // Its stderr lines arrive as standardErrorLine(); otherwise they go to this process's.
    bool capture_stderr = false;
    // Restarted by the supervisor when it dies unasked (a helper); otherwise only the owner's
    // restart() starts it again (a job worker, when work is left). Both spend `budget`.
    bool restart_automatically = false;
    RestartBudget budget;
    // The last sign of life it gave (monotonic ns), read from shared memory; a process silent
    // for longer than `stall_bound` (stopped, stuck) is killed and counts as dead.
    std::function<Nanos()> heartbeat;
    std::chrono::milliseconds stall_bound{};

    // A process that is only started and ended: a worker.
    static ProcessSpec of(QString label, QString program, QStringList args) {
        ProcessSpec s;
        s.label = std::move(label);
        s.program = std::move(program);
        s.args = std::move(args);
        return s;
    }
};

struct ProcessExit {
    ProcessId id = 0;
    QString label;
    qint64 pid = 0;
    int code = 0;         // the exit status, or the signal that ended it
    bool crashed = false; // ended by a signal
    bool asked = false;   // end() or endAll() asked for it
    bool stalled = false; // killed for a heartbeat older than its stall bound
    bool restarting = false;
    // "exited 0", "killed (signal 9)", "stopped" (asked, and it obeyed), "stopped answering".
    QString describe() const;
};

class ProcessSupervisor : public QObject {
    Q_OBJECT
public:
    explicit ProcessSupervisor(QObject* parent = nullptr);
    ~ProcessSupervisor() override; // kills and reaps whatever still runs, without signals

    // Starts it and returns at once; failedToStart() or started() follows. A program that
    // cannot be executed is reported as failedToStart, never as an exit.
    ProcessId launch(ProcessSpec spec);
    // Starts it again now (a replacement), within its budget; false when the budget is spent
    // or it is being ended. Works whether it runs or not: one still running is killed first.
    bool restart(ProcessId id, const QString& reason);
    enum class EndFirst { Nothing, Terminate, CloseInput };
    // Asks it to end: `first` is what it is told (nothing: it ends on its own, for example at
    // the kill flag), and after `grace` it is killed. Never waits.
    void end(ProcessId id, std::chrono::milliseconds grace, EndFirst first = EndFirst::Nothing);
    void endAll(std::chrono::milliseconds grace, EndFirst first = EndFirst::Nothing);
    void kill(ProcessId id); // SIGKILL now; the exit still arrives as a signal
    // Forgets a process that has exited (its handle becomes invalid).
    void forget(ProcessId id);

    bool isRunning(ProcessId id) const;
    bool isReady(ProcessId id) const;
    bool isEnding(ProcessId id) const;
    qint64 pid(ProcessId id) const; // 0 when not running
    QString label(ProcessId id) const;
    // The current or last process of an owner_talks entry (its output can still be read in
    // the exited() slot); null once forgotten.
    QProcess* process(ProcessId id) const;
    // How its last run ended; empty while it runs or before it ever ended.
    std::optional<ProcessExit> lastExit(ProcessId id) const;
    int runningCount() const;
    QList<ProcessId> ids() const;

    // Runs a local event loop until `done` holds or `timeout` passes, and returns `done()`.
    bool waitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout);
    // For callers without an event loop. Each drives exits, readiness lines, grace kills and
    // heartbeat checks (so restarts) while it waits, and returns whether the condition held.
    bool waitForReady(const QList<ProcessId>& ids, std::chrono::milliseconds timeout);
    bool waitForExit(const QList<ProcessId>& ids, std::chrono::milliseconds timeout);
    bool waitForAllExited(std::chrono::milliseconds timeout);
    // One round of the same, without waiting.
    void checkNow();

Q_SIGNALS:
    void started(throttlelab::ProcessId id, qint64 pid);
    void ready(throttlelab::ProcessId id);
    void failedToStart(throttlelab::ProcessId id, const QString& error);
    void exited(const throttlelab::ProcessExit& exit);
    void restarted(throttlelab::ProcessId id, qint64 pid, const QString& reason);
    // Died too often: it stays down.
    void gaveUp(throttlelab::ProcessId id, const QString& reason);
    void standardErrorLine(throttlelab::ProcessId id, const QString& line);

private:
    struct Entry;
    Entry* find(ProcessId id) const;
    void startProcess(Entry& e, bool replacement);
    void onFinished(ProcessId id, QProcess* p, int code, QProcess::ExitStatus status);
    void onStarted(ProcessId id, QProcess* p);
    void onFailedToStart(ProcessId id, QProcess* p);
    void readReady(Entry& e);
    bool budgetAllows(Entry& e);
    QList<ProcessId> checkHeartbeats();
    void killOverdue();
    void dropRetired();

    std::map<ProcessId, std::unique_ptr<Entry>> entries_;
    // Processes replaced or exited: deleted when no signal of theirs is being delivered.
    std::vector<std::unique_ptr<QProcess>> retired_;
    int delivering_ = 0;
    ProcessId next_id_ = 1;
    QTimer watch_;
    bool destroying_ = false;
};

} // namespace throttlelab

Q_DECLARE_METATYPE(throttlelab::ProcessExit)
