// throttlectl job: rate-limited batch jobs over worker processes with a resumable stash.
#include "cli.h"
#include "cli_options.h"
#include "csv_writer.h"
#include "durable_file.h"
#include "job_request.h"
#include "job_runner.h"
#include "job_text.h"
#include "one_line.h"
#include "report.h"
#include "worker_count.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>
#include <QTimer>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace throttlelab::cli {
namespace {

using namespace throttlelab::jobs;

const char* kJobUsage = R"(Usage: throttlectl job SUBCOMMAND [options]

Runs a command (or a synthetic task) for every key of a list, over worker processes, at no more
than --max-n per --per seconds, keeping each key's result in a stash. A new run does only the
keys that are missing, so an interrupted job resumes where it stopped.

Subcommands:
  run        run a job (or resume it)
  status     counts of a stash: total, done, failed, missing
  failures   the keys that failed, with exit status and stderr's tail
  export     a stash's results as CSV

Run 'throttlectl job SUBCOMMAND --help' for its options.
Exit status: 0 success (run: every key done), 1 failure (run: failures or missing keys), 2 bad input.
)";

volatile std::sig_atomic_t g_interrupted = 0;

void onInterrupt(int) {
    g_interrupted = 1;
}

// The terminal line: a text bar, then the numbers spelled out.
QString progressLine(const JobProgress& p) {
    const long long finished = p.done + p.failed;
    const double fraction = p.to_do > 0 ? double(finished) / double(p.to_do) : 1.0;
    const int width = 28;
    const int filled = int(fraction * width + 1e-9);
    return QStringLiteral("[%1%2] %3")
        .arg(QString(filled, u'#'), QString(width - filled, u'.'), jobProgressText(p));
}

QJsonObject toJson(const JobProgress& p) {
    return {{"total", double(p.total)},   {"already_stored", double(p.already_stored)},
            {"to_do", double(p.to_do)},   {"done", double(p.done)},
            {"failed", double(p.failed)}, {"elapsed_s", p.elapsed_s},
            {"limit_rate", p.limit_rate}};
}

QJsonObject toJson(const StashCounts& c) {
    return {{"total", double(c.total)},
            {"done", double(c.done)},
            {"failed", double(c.failed)},
            {"missing", double(c.missing)}};
}

// A repeated option is refused: which of two values was meant is a guess.
QString refuseRepeatedOptions(const QCommandLineParser& p) {
    const QStringList given = p.optionNames();
    for (const QString& name : given)
        if (given.count(name) > 1)
            return QStringLiteral("--%1 is given %2 times; give it once")
                .arg(name)
                .arg(given.count(name));
    return {};
}

// The reading subcommands: parses `--stash PATH` (plus what the caller added to `p`) and opens
// the stash read-only, so it works while a run writes. nullptr after printing the error.
std::unique_ptr<Stash> openForReading(QCommandLineParser& p, const QStringList& args,
                                      const QString& cmd, int* code) {
    p.addOption({"stash", "The job's .db file or folder.", "PATH"});
    *code = kExitBadInput;
    if (QString e = parseCommand(p, args, 0); !e.isEmpty()) {
        printError(cmd, e);
        return nullptr;
    }
    if (QString e = refuseRepeatedOptions(p); !e.isEmpty()) {
        printError(cmd, e);
        return nullptr;
    }
    if (!p.isSet("stash")) {
        printError(cmd, QStringLiteral("--stash is required (the .db file or folder of a job)"));
        return nullptr;
    }
    const QString path = p.value("stash");
    QString error;
    bool io_failure = false;
    auto stash = Stash::open(path, guessStashFormat(path), Stash::Access::ExistingReadOnly, &error,
                             &io_failure);
    if (!stash) {
        if (io_failure) *code = kExitFailure;
        printError(cmd, inFlagWords(JobError{JobInput::Stash, error, !io_failure}));
        return nullptr;
    }
    *code = kExitOk;
    return stash;
}

int jobRun(const QStringList& args) {
    const QString cmd = QStringLiteral("job run");
    QCommandLineParser p;
    p.setApplicationDescription(
        "Runs a task for every key not yet in the stash, over worker processes, under a rate "
        "limit. Each result is committed as it arrives; run again to resume.");
    p.addOption({"items",
                 "A file with one key per line: the line's bytes less the blanks around them "
                 "(reported); a line with a NUL is refused.",
                 "FILE"});
    p.addOption({"range", "Numeric keys instead: N (0 .. N-1) or A:B (A <= key < B).", "RANGE"});
    p.addOption({"command",
                 "The command per key, {} standing for the key (appended when absent); run "
                 "without a shell.",
                 "CMD"});
    p.addOption({"shell", "Run --command with /bin/sh -c (the key is passed as $1, never "
                          "pasted into the script)."});
    p.addOption({"synthetic",
                 "A built-in task instead of a command: a work profile (none, fixed:5ms, "
                 "exp:5ms:cpu ...).",
                 "PROFILE"});
    p.addOption(
        {"fail-rate", "With --synthetic: the probability that an item fails (0..1).", "F", "0"});
    p.addOption({"stash", "Where results are kept: a .db file (SQLite) or a folder.", "PATH"});
    p.addOption({"stash-format", "sqlite or dir (default: dir for a folder or a path ending in /).",
                 "FORMAT"});
    p.addOption({"workers",
                 "Worker processes: N, 0 for every core, -N for cores - N, or a fraction of the "
                 "cores in (0, 1] (default 0).",
                 "W", "0"});
    p.addOption({"chunk-size",
                 "Keys handed to a worker at a time; 0 = one chunk per worker "
                 "(default 0).",
                 "C", "0"});
    addConfigOptions(p);
    p.addOption({"attach",
                 "Take permits from a throttle that is already running (shared budget) "
                 "instead of a new one.",
                 "NAME"});
    p.addOption({"name", "The name of the job's own throttle (default job-PID).", "NAME"});
    p.addOption(
        {"timeout", "Seconds an item may run before it is killed and stored as failed.", "S"});
    p.addOption(
        {"max-output", "Bytes of an item's stdout kept (default 65536).", "BYTES", "65536"});
    p.addOption({"stop-if-error", "End the run at the first failed item."});
    p.addOption({"reprocess-failures", "Run the keys stored as failures again."});
    p.addOption({"invalidate", "Re-check every stored result first; broken ones are redone."});
    p.addOption({"json", "Print the summary as one JSON object on stdout."});
    if (QString e = parseCommand(p, args, 0); !e.isEmpty()) {
        printError(cmd, e + QStringLiteral("; see throttlectl job run --help"));
        return kExitBadInput;
    }
    if (QString e = refuseRepeatedOptions(p); !e.isEmpty()) {
        printError(cmd, e);
        return kExitBadInput;
    }
    // The flags fill one JobRequest; the jobs library checks it (toJobSpec), exactly as it
    // checks the app's Jobs tab. Here only what is about the flags' own text.
    JobRequest request;
    if (p.isSet("items") == p.isSet("range")) {
        printError(cmd, QStringLiteral("give exactly one of --items FILE or --range RANGE"));
        return kExitBadInput;
    }
    request.items = p.isSet("range") ? JobRequest::Items::Range : JobRequest::Items::File;
    request.range = p.value("range");
    request.items_file = p.value("items");
    if (p.isSet("command") == p.isSet("synthetic")) {
        printError(cmd, QStringLiteral("give exactly one of --command CMD or --synthetic PROFILE"));
        return kExitBadInput;
    }
    request.task = p.isSet("command") ? JobRequest::Task::Command : JobRequest::Task::Synthetic;
    request.command = p.value("command");
    request.shell = p.isSet("shell");
    request.synthetic = p.value("synthetic");
    if (request.task == JobRequest::Task::Synthetic) {
        auto f = parseNumber(p.value("fail-rate"));
        if (!f) {
            printError(cmd, QStringLiteral("--fail-rate must be a probability in [0, 1], got '%1'")
                                .arg(oneLine(p.value("fail-rate"))));
            return kExitBadInput;
        }
        request.fail_rate = *f;
    }
    if (p.isSet("timeout")) {
        auto t = parseNumber(p.value("timeout"));
        if (!t || *t <= 0) {
            printError(
                cmd,
                QStringLiteral("--timeout must be seconds > 0, got '%1'").arg(p.value("timeout")));
            return kExitBadInput;
        }
        request.timeout_s = *t;
    }
    {
        auto m = parsePositiveInt(p.value("max-output"));
        if (!m || *m < 0 || *m > 64LL * 1024 * 1024) {
            printError(cmd, QStringLiteral("--max-output must be bytes in 0 .. 67108864, got '%1'")
                                .arg(p.value("max-output")));
            return kExitBadInput;
        }
        request.max_output_bytes = *m;
    }
    request.workers = p.value("workers");
    auto chunk = parsePositiveInt(p.value("chunk-size"));
    if (!chunk) {
        printError(cmd, QStringLiteral("--chunk-size must be an integer >= 0 (0: one chunk per "
                                       "worker), got '%1'")
                            .arg(p.value("chunk-size")));
        return kExitBadInput;
    }
    request.chunk_size = *chunk;
    request.stash_path = p.value("stash");
    if (p.isSet("stash-format")) {
        auto f = parseStashFormat(p.value("stash-format"));
        if (!f) {
            printError(cmd, QStringLiteral("--stash-format must be sqlite or dir, got '%1'")
                                .arg(p.value("stash-format")));
            return kExitBadInput;
        }
        request.stash_format = *f;
    }
    const bool limit_given = p.isSet("max-n") || p.isSet("per") || p.isSet("hardcap") ||
                             p.isSet("mode") || p.isSet("correction");
    if (limit_given) {
        if (!p.isSet("max-n")) {
            printError(cmd, QStringLiteral("--max-n is required with a limit (permits per --per "
                                           "seconds)"));
            return kExitBadInput;
        }
        ThrottleConfig c;
        if (QString e = applyConfigOptions(p, c); !e.isEmpty()) {
            printError(cmd, e);
            return kExitBadInput;
        }
        request.limit = c;
    }
    request.attach_name = p.value("attach");
    request.throttle_name = p.value("name");
    request.stop_if_error = p.isSet("stop-if-error");
    request.reprocess_failures = p.isSet("reprocess-failures");
    request.invalidate = p.isSet("invalidate");
    JobError refused;
    const std::optional<JobSpec> checked =
        toJobSpec(request, QThread::idealThreadCount(), &refused);
    if (!checked) {
        printError(cmd, inFlagWords(refused));
        return kExitBadInput;
    }
    const JobSpec& spec = *checked;

    const bool json = p.isSet("json");
    const bool live = !json && isatty(STDERR_FILENO);
    JobRunner runner;
    QObject::connect(&runner, &JobRunner::logged, [&](const QString& e) {
        std::fprintf(stderr, "%s%s\n", live ? "\r\033[K" : "", qPrintable(oneLine(e)));
    });
    QObject::connect(&runner, &JobRunner::progressed, [&](const JobProgress& pr) {
        if (live) std::fprintf(stderr, "\r\033[K%s", qPrintable(progressLine(pr)));
    });
    if (const JobError e = runner.prepare(spec)) {
        printError(cmd, inFlagWords(e));
        return e.isBadInput() ? kExitBadInput : kExitFailure;
    }
    // Ctrl-C ends the run cleanly: workers stop, finished results are kept.
    struct sigaction sa {};
    sa.sa_handler = onInterrupt;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    QTimer watch;
    QObject::connect(&watch, &QTimer::timeout, [&] {
        if (g_interrupted) {
            g_interrupted = 0;
            runner.cancel();
        }
    });
    watch.start(100);
    const JobSummary s = runner.runToEnd();
    watch.stop();
    if (live) std::fprintf(stderr, "\r\033[K%s\n", qPrintable(progressLine(s.progress)));
    const double per_item = s.progress.done + s.progress.failed > 0
                                ? s.seconds / double(s.progress.done + s.progress.failed)
                                : 0;
    if (json) {
        QJsonObject o = toJson(s.progress);
        o["missing"] = double(s.missing);
        o["lost"] = double(s.lost);
        o["duplicates"] = double(s.duplicates);
        o["seconds"] = s.seconds;
        o["rate"] = s.rate();
        o["stopped_on_error"] = s.stopped_on_error;
        o["cancelled"] = s.cancelled;
        o["invalidated_dropped"] = double(s.invalidated.dropped);
        o["throttle"] = s.throttle_name;
        o["workers"] = spec.workers;
        o["error"] = s.error;
        printJson(o);
    } else {
        std::fprintf(stderr, "%s (%.3f ms per item)\n", qPrintable(jobSummaryText(s)),
                     per_item * 1000);
    }
    if (!s.error.isEmpty()) printError(cmd, s.error);
    return s.exitCode();
}

int jobStatus(const QStringList& args) {
    const QString cmd = QStringLiteral("job status");
    QCommandLineParser p;
    p.setApplicationDescription("Counts a stash's keys: total, done, failed and missing.");
    p.addOption({"json", "Print one JSON object on stdout."});
    int code = kExitOk;
    auto stash = openForReading(p, args, cmd, &code);
    if (!stash) return code;
    const StashCounts c = stash->counts();
    if (p.isSet("json")) {
        QJsonObject o = toJson(c);
        o["task"] = stash->task();
        o["stash"] = stash->path();
        o["format"] = toString(stash->format());
        printJson(o);
    } else {
        std::printf("%s: %lld total, %lld done, %lld failed, %lld missing\ntask: %s\n",
                    qPrintable(stash->path()), c.total, c.done, c.failed, c.missing,
                    qPrintable(stash->task()));
    }
    return kExitOk;
}

int jobFailures(const QStringList& args) {
    const QString cmd = QStringLiteral("job failures");
    QCommandLineParser p;
    p.setApplicationDescription(
        "Lists the keys stored as failures (rerun them with job run --reprocess-failures).");
    p.addOption({"json", "Print one JSON array on stdout."});
    int code = kExitOk;
    auto stash = openForReading(p, args, cmd, &code);
    if (!stash) return code;
    const auto failures = stash->failures();
    if (p.isSet("json")) {
        QJsonArray a;
        for (const ItemResult& r : failures) {
            QJsonObject o = r.toJson();
            o.remove("output");
            a.append(o);
        }
        std::fputs(QJsonDocument(a).toJson(QJsonDocument::Indented).constData(), stdout);
    } else {
        for (const ItemResult& r : failures)
            std::printf("%s\t%s\t(attempts %d)\n", qPrintable(oneLine(displayKey(r.key))),
                        qPrintable(oneLine(r.describeFailure())), r.attempts);
        std::fprintf(stderr, "%zu failure(s)\n", failures.size());
    }
    return kExitOk;
}

int jobExport(const QStringList& args) {
    const QString cmd = QStringLiteral("job export");
    QCommandLineParser p;
    p.setApplicationDescription("Writes a stash's results as CSV, one row per stored key.");
    p.addOption({"csv",
                 "The CSV file to write (replaced whole, never half-written). Output and keys "
                 "that are not UTF-8 text are base64, as the output_encoding and key_encoding "
                 "columns say.",
                 "FILE"});
    int code = kExitOk;
    auto stash = openForReading(p, args, cmd, &code);
    if (!stash) return code;
    if (!p.isSet("csv")) {
        printError(cmd, QStringLiteral("--csv FILE is required"));
        return kExitBadInput;
    }
    // Written whole and durably, or not at all: a failed export leaves the old file as it was.
    DurableFile out(p.value("csv"));
    if (!out.open()) {
        printError(cmd, QStringLiteral("--csv: ") + out.errorString());
        return kExitFailure;
    }
    QByteArray header;
    CsvWriter(&header).row(QStringLiteral("key,ok,exit_code,signal,timed_out,started_at,wait_s,"
                                          "duration_s,worker,pid,attempts,output,error,"
                                          "output_encoding,key_encoding")
                               .split(u','));
    bool written = out.write(header);
    long long rows = 0;
    stash->forEachResult([&](const ItemResult& r) {
        const auto [output, output_encoding] = csvBytes(r.output);
        const auto [key, key_encoding] = csvBytes(r.key);
        const QStringList fields{key,
                                 r.ok ? QStringLiteral("1") : QStringLiteral("0"),
                                 QString::number(r.exit_code),
                                 QString::number(r.signal),
                                 r.timed_out ? QStringLiteral("1") : QStringLiteral("0"),
                                 QString::number(r.started_at, 'f', 6),
                                 QString::number(r.wait_s, 'g', 9),
                                 QString::number(r.duration_s, 'g', 9),
                                 QString::number(r.worker),
                                 QString::number(r.pid),
                                 QString::number(r.attempts),
                                 output,
                                 r.error,
                                 output_encoding,
                                 key_encoding};
        QByteArray row;
        CsvWriter(&row).row(fields);
        written = written && out.write(row);
        ++rows;
    });
    if (!written || !out.commit()) {
        printError(cmd, QStringLiteral("--csv: ") + out.errorString());
        return kExitFailure;
    }
    std::fprintf(stderr, "%lld row(s) written to %s\n", rows, qPrintable(p.value("csv")));
    return kExitOk;
}

} // namespace

int commandJob(const QStringList& args) {
    if (args.size() < 2 || args[1] == u"--help" || args[1] == u"-h") {
        std::fputs(kJobUsage, args.size() < 2 ? stderr : stdout);
        return args.size() < 2 ? kExitBadInput : kExitOk;
    }
    const QString sub = args[1];
    QStringList rest = args.mid(2);
    rest.prepend(QStringLiteral("throttlectl job ") + sub);
    if (sub == u"run") return jobRun(rest);
    if (sub == u"status") return jobStatus(rest);
    if (sub == u"failures") return jobFailures(rest);
    if (sub == u"export") return jobExport(rest);
    printError(QStringLiteral("job"),
               QStringLiteral("unknown subcommand '%1'; accepted: run, status, failures, export")
                   .arg(oneLine(sub)));
    return kExitBadInput;
}

} // namespace throttlelab::cli
