// The commands that act on a throttle already running under a name: inspect, set, stop,
// remove.
#include "budget_view.h"
#include "cli.h"
#include "cli_options.h"
#include "number_format.h"
#include "report.h"
#include "throttle_client.h"

#include <QJsonArray>
#include <QJsonObject>
#include <cstdio>
#include <thread>

namespace throttlelab::cli {
namespace {

// Parses `throttlectl CMD NAME [options]` and attaches to NAME; nullptr after printing the
// error (exit status in *code).
std::unique_ptr<ThrottleClient> attachNamed(QCommandLineParser& p, const QStringList& args,
                                            const QString& cmd, int* code) {
    p.addPositionalArgument("NAME", "The running throttle.");
    if (QString e = parseCommand(p, args, 1); !e.isEmpty()) {
        printError(cmd, e + QStringLiteral("; see throttlectl %1 --help").arg(cmd));
        *code = kExitBadInput;
        return nullptr;
    }
    if (p.positionalArguments().isEmpty()) {
        printError(cmd,
                   QStringLiteral("NAME is required (the name given to throttlectl run --name)"));
        *code = kExitBadInput;
        return nullptr;
    }
    QString error;
    auto client =
        ThrottleClient::attach(p.positionalArguments().first(), AttachAs::Observer, &error);
    if (!client) {
        printError(cmd, error);
        *code = kExitBadInput;
    }
    return client;
}

} // namespace

int commandInspect(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(
        "Shows a running throttle's live configuration, statistics and workers.");
    p.addOption({"json", "Print one JSON object on stdout."});
    int code = kExitOk;
    auto client = attachNamed(p, args, QStringLiteral("inspect"), &code);
    if (!client) return code;
    const ThrottleConfig c = client->config();
    const StatsSnapshot s = client->stats();
    const RunInfo info = client->runInfo();
    const auto workers = client->workers();
    const BackendInfo b = client->backendInfo();
    // A shared budget: every machine on it, as Redis knows them (unreachable: said, and
    // the local figures are still shown).
    backend::BudgetView budget;
    QString budget_error;
    bool have_budget = false;
    if (b.shared()) {
        QString e;
        if (const auto url = BackendUrl::parse(b.url, &e))
            have_budget =
                backend::readBudget(*url, url->keyOr(client->name()), &budget, &budget_error);
        else
            budget_error = e;
    }
    if (p.isSet("json")) {
        QJsonObject o{{"name", client->name()},
                      {"config", toJson(c)},
                      {"run", toJson(info)},
                      {"stats", toJson(s)},
                      {"workers", toJson(workers)}};
        if (b.shared()) {
            QJsonObject j = toJson(b);
            if (have_budget)
                j.insert(QStringLiteral("budget"), toJson(budget));
            else
                j.insert(QStringLiteral("budget_error"), budget_error);
            o.insert(QStringLiteral("backend"), j);
        }
        printJson(o);
        return kExitOk;
    }
    std::printf("%s: %s, %lld per %g s, hardcap %s, mode %s, correction %g, rf_rate %g s\n",
                qPrintable(client->name()), info.running ? "running" : "stopped", c.max_n, c.per,
                qPrintable(toString(c.hardcap)), qPrintable(toString(c.mode)), c.correction,
                c.rf_rate);
    std::printf("owner pid %lld, throttle pid %lld, monitor pid %lld\n", info.owner_pid,
                info.throttle_pid, info.monitor_pid);
    // Figures from a monitor that stopped answering are stale: say so before showing them.
    if (info.monitor_stalled)
        std::printf("monitor STALLED: no heartbeat for %.1f s; the statistics below are stale "
                    "until its owner replaces it\n",
                    toSeconds(info.monitor_silent_ns));
    if (info.throttle_stalled)
        std::printf("throttle process STALLED: no heartbeat for %.1f s (classic mode makes no "
                    "permits) until its owner replaces it\n",
                    toSeconds(info.throttle_silent_ns));
    std::printf("%s\n", qPrintable(oneLineStatus(s, info)));
    std::printf("hi_lo %s | lo_hi %s | max in window %lld\n", qPrintable(describeRate(s.hi_lo)),
                qPrintable(describeRate(s.lo_hi)), s.max_in_window);
    if (info.waits_passed_over > 0)
        std::printf("%llu wait(s) passed over: their process did not run within 2 ms of its "
                    "turn\n",
                    (unsigned long long)info.waits_passed_over);
    std::printf("%zu worker(s)\n", workers.size());
    for (const WorkerInfo& w : workers)
        std::printf("  pid %lld: %llu grants, %llu emits\n", w.pid, (unsigned long long)w.grants,
                    (unsigned long long)w.emits);
    if (b.shared()) {
        std::printf("shared budget %s: link %s for %.1f s, permits %s, on loss %s\n",
                    qPrintable(b.url), qPrintable(b.state), toSeconds(b.state_for_ns),
                    qPrintable(b.feed), qPrintable(b.policy));
        if (!b.error.isEmpty()) std::printf("  last error: %s\n", qPrintable(b.error));
        if (have_budget) {
            std::printf("budget: %lld per %g s, hardcap %s; %lld permits in the last window, "
                        "%s/s, %d machine(s) live\n",
                        budget.max_n, budget.per, qPrintable(budget.hardcap),
                        budget.takenInWindow(), qPrintable(formatRate(budget.rate())),
                        int(std::count_if(budget.members.begin(), budget.members.end(),
                                          [](const backend::BudgetMember& m) { return m.live; })));
            for (const backend::BudgetMember& m : budget.members)
                std::printf("  %s pid %lld: %lld in the last window, %s/s, seen %.1f s ago, %s%s\n",
                            qPrintable(m.host), m.pid, m.taken_in_window,
                            qPrintable(formatRate(m.rate)), m.last_seen_s, qPrintable(m.state),
                            m.live ? "" : " (gone)");
        } else {
            std::printf("budget: cannot be read now: %s\n", qPrintable(budget_error));
        }
    }
    return kExitOk;
}

int commandSet(const QStringList& args) {
    const QString cmd = QStringLiteral("set");
    QCommandLineParser p;
    p.setApplicationDescription(
        "Changes a running throttle's settings live; waiters recompute at once.");
    addConfigOptions(p);
    p.addOption({"json", "Print the new configuration as JSON."});
    int code = kExitOk;
    auto client = attachNamed(p, args, cmd, &code);
    if (!client) return code;
    // Only the options given are changed, merged into the configuration current when the
    // change is applied: a concurrent `set` of other fields is kept, not overwritten.
    ThrottleConfig preview = client->config();
    if (QString e = applyConfigOptions(p, preview); !e.isEmpty()) {
        printError(cmd, e);
        return kExitBadInput;
    }
    const ConfigPatch patch = configPatchFromOptions(p, preview);
    if (patch.empty()) {
        printError(cmd, QStringLiteral("nothing to change: give at least one of --max-n, --per, "
                                       "--hardcap, --mode, --correction, --rf-rate, --auto-emit"));
        return kExitBadInput;
    }
    ThrottleConfig c;
    if (const ConfigError e = client->changeConfig(patch, &c)) {
        printError(cmd, inFlagWords(e));
        return e.isBadInput() ? kExitBadInput : kExitFailure;
    }
    if (p.isSet("json"))
        printJson(toJson(c));
    else
        std::printf("%s: %lld per %g s, hardcap %s, mode %s, correction %g\n",
                    qPrintable(client->name()), c.max_n, c.per, qPrintable(toString(c.hardcap)),
                    qPrintable(toString(c.mode)), c.correction);
    return kExitOk;
}

int commandStop(const QStringList& args) {
    const QString cmd = QStringLiteral("stop");
    QCommandLineParser p;
    p.setApplicationDescription(
        "Stops a running throttle: its workers, monitor and throttle end. Exits 0 once the "
        "run has ended, 1 if its owner did not end it within --wait seconds.");
    p.addOption({"wait", "Seconds to wait for the owner to end the run (default 5).", "S", "5"});
    int code = kExitOk;
    auto client = attachNamed(p, args, cmd, &code);
    if (!client) return code;
    const auto wait = parseNumber(p.value("wait"));
    if (!wait || *wait < 0 || *wait > 3600) {
        printError(
            cmd,
            QStringLiteral("--wait must be seconds from 0 to 3600, got '%1'").arg(p.value("wait")));
        return kExitBadInput;
    }
    const QString name = client->name();
    const qint64 owner = client->runInfo().owner_pid;
    client->requestStop();
    const Nanos deadline = monotonicNow() + fromSeconds(*wait);
    while (client->ownerAlive() && client->runInfo().running && monotonicNow() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    // The run has ended; an owner such as `throttlectl run` exits right after, the app stays.
    const Nanos exit_deadline = monotonicNow() + kNanosPerSecond;
    while (client->ownerAlive() && !client->runInfo().running && monotonicNow() < exit_deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!client->ownerAlive()) {
        std::printf("%s: stopped; its owner (pid %lld) has ended\n", qPrintable(name), owner);
        return kExitOk;
    }
    if (!client->runInfo().running) {
        std::printf("%s: stopped; its owner (pid %lld) keeps the throttle open\n", qPrintable(name),
                    owner);
        return kExitOk;
    }
    printError(cmd, QStringLiteral("asked '%1' to stop, but its owner (pid %2) has not ended the "
                                   "run within %3 s; it may be stopped (Ctrl-Z) or busy")
                        .arg(name)
                        .arg(owner)
                        .arg(*wait));
    return kExitFailure;
}

int commandRemove(const QStringList& args) {
    const QString cmd = QStringLiteral("remove");
    QCommandLineParser p;
    p.setApplicationDescription(
        "Removes the segment of NAME left behind by a crashed run (refused while its owner runs).");
    p.addPositionalArgument("NAME", "The segment's name.");
    if (QString e = parseCommand(p, args, 1); !e.isEmpty() || p.positionalArguments().isEmpty()) {
        printError(cmd, e.isEmpty() ? QStringLiteral("NAME is required") : e);
        return kExitBadInput;
    }
    QString error;
    if (!SharedSegment::removeAbandoned(p.positionalArguments().first(), &error)) {
        printError(cmd, error);
        return kExitFailure;
    }
    return kExitOk;
}

} // namespace throttlelab::cli
