// throttlectl run: a whole experiment from the command line.
#include "cli.h"
#include "cli_options.h"
#include "executable_lookup.h"
#include "process_supervisor.h"
#include "report.h"
#include "throttle.h"
#include "work_profile.h"

#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTimer>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <vector>

namespace throttlelab::cli {
namespace {

// A worker checks the kill flag between work items; one busy longer is killed.
constexpr std::chrono::milliseconds kWorkerStopGrace{400};

volatile std::sig_atomic_t g_interrupted = 0;
void onSignal(int) {
    g_interrupted = 1;
}

} // namespace

int commandRun(const QStringList& args) {
    const QString cmd = QStringLiteral("run");
    QCommandLineParser p;
    p.setApplicationDescription(
        "Starts a throttle (max_n permits per `per` seconds), its monitor and W worker processes "
        "for "
        "D seconds, shows live statistics on a terminal and ends with a summary.");
    addConfigOptions(p);
    p.addOption(
        {"auto-calibrate", "classic mode: measure and set the correction before starting."});
    p.addOption({"workers", "Worker processes to start (0: throttle and monitor only; default 4).",
                 "W", "4"});
    p.addOption({"work",
                 "Work per permit: none, fixed:5ms, uniform:1ms-10ms, exp:5ms [:cpu|:sleep].",
                 "PROFILE", "none"});
    p.addOption({"duration", "Seconds to run (default: until Ctrl-C or throttlectl stop).", "D"});
    p.addOption({"name", "The throttle's name, for workers and other commands to find it.", "NAME",
                 "default"});
    p.addOption({"json", "Print the summary as one JSON object on stdout."});
    p.addOption({"log", "Write one CSV row per permit (worker,grant_s,emit_s) to FILE.", "FILE"});
    p.addOption({"backend",
                 "Share one budget with the throttles of other machines through Redis: "
                 "redis://HOST[:PORT][/DB][?key=NAME] or redis+unix:///PATH[?db=DB&key=NAME] "
                 "(key defaults to --name). Exact mode only.",
                 "URL"});
    p.addOption({"on-backend-loss",
                 "While the backend is slow or gone: closed (no permits; the default for "
                 "--hardcap window), open (no limit) or local (this machine's share, max_n / "
                 "machines seen; the default otherwise).",
                 "POLICY"});
    if (QString e = parseCommand(p, args, 0); !e.isEmpty()) {
        printError(cmd, e + QStringLiteral("; see throttlectl run --help"));
        return kExitBadInput;
    }
    ThrottleOptions o;
    o.name = p.value("name");
    if (const ConfigError e = checkName(o.name)) {
        printError(cmd, inFlagWords(e));
        return kExitBadInput;
    }
    if (!p.isSet("max-n")) {
        printError(cmd, QStringLiteral("--max-n is required (an integer >= 1)"));
        return kExitBadInput;
    }
    if (QString e = applyConfigOptions(p, o.config); !e.isEmpty()) {
        printError(cmd, e);
        return kExitBadInput;
    }
    if (p.isSet("correction") && p.isSet("auto-calibrate")) {
        printError(
            cmd, QStringLiteral("--correction and --auto-calibrate exclude each other; give one"));
        return kExitBadInput;
    }
    o.correction_given = p.isSet("correction");
    if (p.isSet("backend")) {
        o.backend_url = p.value("backend");
        if (!p.isSet("mode")) o.config.mode = PacingMode::Exact;
    } else if (p.isSet("on-backend-loss")) {
        printError(cmd, QStringLiteral("--on-backend-loss needs --backend (a shared budget)"));
        return kExitBadInput;
    }
    if (p.isSet("on-backend-loss")) {
        o.on_backend_loss = parseBackendLossPolicy(p.value("on-backend-loss"));
        if (!o.on_backend_loss) {
            printError(cmd, QStringLiteral("--on-backend-loss must be closed, open or local, "
                                           "got '%1'")
                                .arg(p.value("on-backend-loss").left(80)));
            return kExitBadInput;
        }
    }
    if (!o.backend_url.isEmpty()) {
        if (const ConfigError e = checkOptions(o.resolved())) {
            printError(cmd, inFlagWords(e));
            return kExitBadInput;
        }
    }
    if (p.isSet("auto-emit")) o.auto_emit = o.config.auto_emit;
    o.auto_calibrate = p.isSet("auto-calibrate");
    auto workers = parsePositiveInt(p.value("workers"));
    if (!workers || *workers < 0 || *workers > 64) {
        printError(cmd, QStringLiteral("--workers must be an integer from 0 to 64, got '%1'")
                            .arg(p.value("workers")));
        return kExitBadInput;
    }
    QString error;
    const auto profile = WorkProfile::parse(p.value("work"), &error);
    if (!profile) {
        printError(cmd, QStringLiteral("--work ") + error);
        return kExitBadInput;
    }
    double duration = -1;
    if (p.isSet("duration")) {
        auto d = parseNumber(p.value("duration"));
        if (!d || *d <= 0 || *d > 31 * 24 * 3600.0) {
            printError(cmd, QStringLiteral("--duration must be a number of seconds > 0, got '%1'")
                                .arg(p.value("duration")));
            return kExitBadInput;
        }
        duration = *d;
    }
    if (p.isSet("log")) {
        o.log_path = p.value("log");
        QFile probe(o.log_path);
        if (!probe.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            printError(cmd, QStringLiteral("--log: cannot write '%1': %2")
                                .arg(o.log_path, probe.errorString()));
            return kExitBadInput;
        }
    }
    const QString worker_exe = findExecutable(QStringLiteral("throttle-worker"));
    if (*workers > 0 && worker_exe.isEmpty()) {
        printError(
            cmd,
            QStringLiteral("cannot find the throttle-worker executable (set THROTTLELAB_BIN_DIR)"));
        return kExitFailure;
    }

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    Throttle throttle(o);
    if (QString e = throttle.start(); !e.isEmpty()) {
        printError(cmd, e);
        return kExitFailure;
    }
    ProcessSupervisor workers_of_run;
    for (long long i = 0; i < *workers; ++i)
        workers_of_run.launch(ProcessSpec::of(
            QStringLiteral("worker"), worker_exe,
            {QStringLiteral("--name"), o.name, QStringLiteral("--work"), profile->toString()}));
    bool worker_failed = false;
    QObject::connect(&workers_of_run, &ProcessSupervisor::failedToStart,
                     [&](ProcessId, const QString& e) {
                         printError(cmd, e);
                         worker_failed = true;
                     });
    QObject::connect(&throttle, &Throttle::helperReplaced,
                     [](const QString& role, const QString& reason) {
                         std::fprintf(stderr, "throttlectl run: the %s process was replaced: %s\n",
                                      qPrintable(role), qPrintable(reason));
                     });
    QObject::connect(&throttle, &Throttle::helperGaveUp, [](const QString& reason) {
        std::fprintf(stderr, "throttlectl run: %s\n", qPrintable(reason));
    });

    // The run is an event loop: the supervisors restart helpers and report exits on it, a
    // timer ends it at the duration, another checks for Ctrl-C and `throttlectl stop`.
    const bool live = !p.isSet("json") && isatty(STDERR_FILENO);
    ThrottleClient& client = throttle.client();
    QEventLoop loop;
    QTimer duration_timer;
    duration_timer.setSingleShot(true);
    duration_timer.setTimerType(Qt::PreciseTimer);
    QObject::connect(&duration_timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    if (duration > 0) duration_timer.start(std::chrono::milliseconds(qint64(duration * 1000)));
    QTimer check;
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (g_interrupted || client.stopRequested() || worker_failed) loop.quit();
    });
    check.start(50);
    QTimer status_line;
    QObject::connect(&status_line, &QTimer::timeout, [&] {
        std::fprintf(stderr, "\r%s   ",
                     qPrintable(oneLineStatus(client.stats(), client.runInfo())));
        std::fflush(stderr);
    });
    if (live) status_line.start(250);
    if (!worker_failed) loop.exec();
    status_line.stop();
    if (live) std::fputc('\n', stderr);

    const std::vector<WorkerInfo> worker_info = client.workers();
    // Every worker sees the kill flag at once; one busy in a long work item is killed after
    // the grace time, together with the others, so the whole stop stays within about 1 s.
    throttle.setKillFlag();
    workers_of_run.endAll(kWorkerStopGrace);
    workers_of_run.waitForAllExited(kWorkerStopGrace + std::chrono::seconds(2));
    if (worker_failed) {
        throttle.stop();
        return kExitFailure;
    }
    const RunSummary summary = throttle.stop();
    const StatsSnapshot stats = throttle.stats();
    const RunInfo info = client.runInfo();
    const ThrottleConfig config = throttle.config();

    if (p.isSet("json")) {
        QJsonObject out = toJson(stats);
        out.insert("name", o.name);
        out.insert("target_rate", config.targetRate());
        out.insert("runtime_s", summary.runtime_s);
        out.insert("total", double(summary.total));
        out.insert("mean_rate", summary.mean_rate);
        out.insert("config", toJson(config));
        out.insert("correction", config.correction);
        out.insert("helper_cpu_s", toSeconds(info.throttle_cpu_ns + info.monitor_cpu_ns));
        out.insert("throttle_cpu_s", toSeconds(info.throttle_cpu_ns));
        out.insert("monitor_cpu_s", toSeconds(info.monitor_cpu_ns));
        out.insert("granted", double(info.granted));
        out.insert("counted", double(stats.total));
        out.insert("overflow", double(info.overflow));
        if (info.log_errno != 0)
            out.insert("log_error", QString::fromLocal8Bit(std::strerror(info.log_errno)));
        out.insert("abandoned", double(info.abandoned));
        out.insert("workers", toJson(worker_info));
        printJson(out);
    } else {
        // Permits are what workers were granted; the monitor's figures below are over the
        // emissions it counted, and a full emission ring (the monitor outrun, above roughly
        // 10M/s here) drops emissions, never permits: say so where it happens.
        std::printf(
            "ran %.3f s: %llu permits granted, mean %s, target %g/s\n", summary.runtime_s,
            (unsigned long long)info.granted,
            qPrintable(describeRate(RatePair::fromCount(double(info.granted), summary.runtime_s))),
            config.targetRate());
        if (stats.total != info.granted)
            std::printf("the monitor counted %llu of them: %llu emissions lost to a full "
                        "emission ring (overflow), %llu abandoned by processes that died\n",
                        (unsigned long long)stats.total, (unsigned long long)info.overflow,
                        (unsigned long long)info.abandoned);
        std::printf(
            "latest %s | hi_lo %s | lo_hi %s | most in any %g s window: %lld (max_n %lld)\n",
            qPrintable(describeRate(stats.latest)), qPrintable(describeRate(stats.hi_lo)),
            qPrintable(describeRate(stats.lo_hi)), config.per, stats.max_in_window, config.max_n);
        std::printf("throttle + monitor CPU: %.3f s\n",
                    toSeconds(info.throttle_cpu_ns + info.monitor_cpu_ns));
    }
    if (info.log_errno != 0) {
        // The permits were made; the record of them is incomplete: that is a failure.
        qsizetype rows = 0;
        QFile log(o.log_path);
        if (log.open(QIODevice::ReadOnly))
            rows = std::max<qsizetype>(0, log.readAll().count('\n') - 1);
        printError(cmd, QStringLiteral("--log: cannot write '%1': %2; it holds the first %3 "
                                       "permit row(s), each whole, of %4")
                            .arg(o.log_path, QString::fromLocal8Bit(std::strerror(info.log_errno)))
                            .arg(rows)
                            .arg(stats.total));
        return kExitFailure;
    }
    return kExitOk;
}

} // namespace throttlelab::cli
