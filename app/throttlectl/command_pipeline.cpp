// throttlectl pipeline: multi-stage pipelines. run runs one (a live view of every stage on a
// terminal), status, failures and export read its stash, check and graph read its file.
#include "cli.h"
#include "cli_options.h"
#include "one_line.h"
#include "pipeline_graph.h"
#include "pipeline_spec.h"
#include "report.h"

#include "csv_writer.h"
#include "durable_file.h"
#include "job_key.h"
#include "number_format.h"
#include "pipeline_runner.h"
#include "pipeline_stash.h"

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

const char* kPipelineUsage = R"(Usage: throttlectl pipeline SUBCOMMAND [options]

Multi-stage pipelines: every key goes through every stage, each stage with its own workers,
queue and limit.

Subcommands:
  run FILE --stash DIR   run it (resuming what DIR holds): every key through every stage
  status --stash DIR     per stage: done, failed and missing keys (--json)
  failures --stash DIR   the keys stored as failures, with their stage (--json)
  export --stash DIR --csv FILE   every stored (key, stage) result as CSV
  check FILE             check a pipeline file and show the stages it resolves to (--json)
  graph FILE             print it as Graphviz dot (throttlectl pipeline graph p.json | dot -Tpng)

Exit status: 0 success, 1 failure, 2 bad input (one line naming the field).
)";

// Reads FILE, the one positional argument; prints the error and sets `code` when it fails.
std::optional<pipeline::PipelineSpec> readSpec(QCommandLineParser& p, const QStringList& args,
                                               const QString& cmd, int* code) {
    p.addPositionalArgument("FILE", "The pipeline file (JSON).");
    if (QString e = parseCommand(p, args, 1); !e.isEmpty()) {
        printError(cmd, e);
        *code = kExitBadInput;
        return std::nullopt;
    }
    if (p.positionalArguments().isEmpty()) {
        printError(cmd,
                   QStringLiteral("give the pipeline file, e.g. throttlectl %1 p.json").arg(cmd));
        *code = kExitBadInput;
        return std::nullopt;
    }
    pipeline::PipelineError error;
    auto spec = pipeline::readPipelineFile(p.positionalArguments().first(),
                                           QThread::idealThreadCount(), &error);
    if (!spec) {
        printError(cmd, error.message());
        *code = kExitBadInput;
    }
    return spec;
}

QJsonObject toJson(const pipeline::StageSpec& s) {
    QJsonObject o{{"name", s.name},
                  {"task", s.task.fingerprint()},
                  {"workers", s.workers},
                  {"queue", s.queue},
                  {"serve", s.serve},
                  {"timeout_s", s.task.timeout_s},
                  {"max_output", double(s.task.max_output_bytes)}};
    if (s.limit && !s.limit->attach.isEmpty())
        o["limit"] = QJsonObject{{"attach", s.limit->attach}};
    if (s.limit && s.limit->own)
        o["limit"] = QJsonObject{{"max_n", double(s.limit->own->max_n)},
                                 {"per", s.limit->own->per},
                                 {"hardcap", toString(s.limit->own->hardcap)},
                                 {"mode", toString(s.limit->own->mode)}};
    return o;
}

int pipelineCheck(const QStringList& args) {
    const QString cmd = QStringLiteral("pipeline check");
    QCommandLineParser p;
    p.setApplicationDescription("Checks a pipeline file and shows the stages it resolves to.");
    p.addOption({"json", "Print one JSON object on stdout."});
    int code = kExitOk;
    const auto spec = readSpec(p, args, cmd, &code);
    if (!spec) return code;
    if (p.isSet("json")) {
        QJsonArray stages;
        for (const pipeline::StageSpec& s : spec->stages)
            stages.append(toJson(s));
        printJson({{"items", spec->items.describe()}, {"stages", stages}});
        return kExitOk;
    }
    std::printf("items: %s\n", qPrintable(spec->items.describe()));
    for (std::size_t i = 0; i < spec->stages.size(); ++i) {
        const pipeline::StageSpec& s = spec->stages[i];
        std::printf("stage %zu %s: %s, %d worker(s)%s, queue %d\n", i + 1, qPrintable(s.name),
                    qPrintable(s.task.fingerprint()), s.workers, s.serve ? ", serve" : "", s.queue);
    }
    return kExitOk;
}

volatile std::sig_atomic_t g_interrupted = 0;

void onInterrupt(int) {
    g_interrupted = 1;
}

// One line per stage for the live view and the end: what it did, what it holds, how fast.
QString stageLine(const pipeline::StageProgress& s, bool is_bottleneck, long long keys,
                  long long failed_total) {
    QString rate = formatRate(s.rate) + QStringLiteral("/s");
    if (s.limit_rate > 0)
        rate += QStringLiteral(" of ") + formatRate(s.limit_rate) + QStringLiteral("/s");
    const long long left =
        std::max(0LL, keys - failed_total - s.already_stored - s.done - s.failed);
    const QString eta = left == 0 ? QStringLiteral("done")
                        : s.rate > 0
                            ? QStringLiteral("ETA ") + formatDuration(double(left) / s.rate)
                            : QStringLiteral("ETA -");
    return QStringLiteral("%1  done %2  failed %3  in flight %4  queue %5/%6  %7  %8%9")
        .arg(s.name.leftJustified(10))
        .arg(s.done + s.already_stored)
        .arg(s.failed)
        .arg(s.in_flight)
        .arg(s.queued)
        .arg(s.capacity)
        .arg(rate, eta, is_bottleneck ? QStringLiteral("  <- bottleneck") : QString());
}

QJsonObject toJson(const pipeline::PipelineProgress& p) {
    QJsonArray stages;
    for (const pipeline::StageProgress& s : p.stages)
        stages.append(QJsonObject{{"name", s.name},
                                  {"workers", s.workers},
                                  {"done", double(s.done)},
                                  {"failed", double(s.failed)},
                                  {"already_stored", double(s.already_stored)},
                                  {"capacity", s.capacity},
                                  {"max_queued", s.max_queued},
                                  {"rate", s.rate},
                                  {"limit_rate", s.limit_rate}});
    return {{"keys", double(p.keys)},
            {"completed", double(p.completed)},
            {"failed", double(p.failed)},
            {"elapsed_s", p.elapsed_s},
            {"stages", stages}};
}

int pipelineRun(const QStringList& args) {
    const QString cmd = QStringLiteral("pipeline run");
    QCommandLineParser p;
    p.setApplicationDescription(
        "Runs a pipeline: every key through every stage, each stage with its own workers, "
        "queue and limit. A stash that holds results already is resumed: each key starts at "
        "its first stage without a result.");
    p.addOption(
        {"stash", "The folder that keeps every (key, stage) result (made if missing).", "DIR"});
    p.addOption({"stash-format", "How each stage's results are kept: sqlite (default) or dir.",
                 "FORMAT", "sqlite"});
    p.addOption({"stop-if-error", "End the run at the first failure."});
    p.addOption({"reprocess-failures", "Redo the keys stored as failures, in their stage."});
    p.addOption({"force", "Resume a stash made by a changed pipeline: the stages from the first "
                          "changed one on start over."});
    p.addOption({"json", "Print one JSON object on stdout at the end."});
    int code = kExitOk;
    const auto spec = readSpec(p, args, cmd, &code);
    if (!spec) return code;
    if (!p.isSet("stash")) {
        printError(cmd, QStringLiteral("--stash is required: the folder that keeps the results"));
        return kExitBadInput;
    }
    pipeline::PipelineRunOptions o;
    o.stash_path = p.value("stash");
    const auto format = jobs::parseStashFormat(p.value("stash-format"));
    if (!format) {
        printError(cmd, QStringLiteral("--stash-format must be sqlite or dir, got '%1'")
                            .arg(oneLine(p.value("stash-format"))));
        return kExitBadInput;
    }
    o.stash_format = *format;
    o.stop_if_error = p.isSet("stop-if-error");
    o.reprocess_failures = p.isSet("reprocess-failures");
    o.force = p.isSet("force");
    const bool json = p.isSet("json");
    const bool live = !json && isatty(STDERR_FILENO);
    pipeline::PipelineRunner runner;
    int drawn = 0; // lines of the live view on screen
    auto clearView = [&] {
        if (drawn > 0) std::fprintf(stderr, "\033[%dA\r\033[J", drawn);
        drawn = 0;
    };
    QObject::connect(&runner, &pipeline::PipelineRunner::logged, [&](const QString& e) {
        clearView();
        std::fprintf(stderr, "%s\n", qPrintable(oneLine(e)));
    });
    QObject::connect(
        &runner, &pipeline::PipelineRunner::progressed, [&](const pipeline::PipelineProgress& pr) {
            if (!live) return;
            clearView();
            for (std::size_t i = 0; i < pr.stages.size(); ++i)
                std::fprintf(stderr, "%s\n",
                             qPrintable(stageLine(pr.stages[i], pr.bottleneck == int(i), pr.keys,
                                                  pr.failed)));
            drawn = int(pr.stages.size());
        });
    if (const pipeline::PipelineRefusal r = runner.prepare(*spec, o)) {
        printError(cmd, r.message);
        return r.bad_input ? kExitBadInput : kExitFailure;
    }
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
    const pipeline::PipelineSummary s = runner.runToEnd();
    watch.stop();
    clearView();
    if (json) {
        QJsonObject out = toJson(s.progress);
        out["missing"] = double(s.missing);
        out["redone"] = double(s.redone);
        out["seconds"] = s.seconds;
        out["stopped_on_error"] = s.stopped_on_error;
        out["cancelled"] = s.cancelled;
        out["error"] = s.error;
        printJson(out);
    } else {
        for (const pipeline::StageProgress& st : s.progress.stages)
            std::fprintf(stderr, "%s\n",
                         qPrintable(stageLine(st, false, s.progress.keys, s.progress.failed)));
        std::fprintf(stderr,
                     "%lld key(s): %lld through every stage, %lld failed, %lld missing, "
                     "in %s%s\n",
                     s.progress.keys, s.progress.completed, s.progress.failed, s.missing,
                     qPrintable(formatDuration(s.seconds)),
                     s.cancelled          ? " (cancelled)"
                     : s.stopped_on_error ? " (stopped at a failure)"
                                          : "");
    }
    if (!s.error.isEmpty()) printError(cmd, s.error);
    return s.exitCode();
}

// Opens --stash read-only for status, failures and export.
std::unique_ptr<pipeline::PipelineStash> openStash(QCommandLineParser& p, const QStringList& args,
                                                   const QString& cmd, int* code) {
    p.addOption({"stash", "The pipeline's stash folder.", "DIR"});
    *code = kExitBadInput;
    if (QString e = parseCommand(p, args, 0); !e.isEmpty()) {
        printError(cmd, e);
        return nullptr;
    }
    if (!p.isSet("stash")) {
        printError(cmd, QStringLiteral("--stash is required (the folder of a pipeline run)"));
        return nullptr;
    }
    pipeline::StashRefusal refusal;
    auto stash = pipeline::PipelineStash::openReadOnly(p.value("stash"), &refusal);
    if (!stash) {
        printError(cmd, QStringLiteral("--stash: ") + refusal.message);
        return nullptr;
    }
    *code = kExitOk;
    return stash;
}

int pipelineStatus(const QStringList& args) {
    const QString cmd = QStringLiteral("pipeline status");
    QCommandLineParser p;
    p.setApplicationDescription("Counts a pipeline stash's keys per stage: done, failed, missing.");
    p.addOption({"json", "Print one JSON object on stdout."});
    int code = kExitOk;
    const auto stash = openStash(p, args, cmd, &code);
    if (!stash) return code;
    QJsonArray stages;
    for (int i = 0; i < stash->stageCount(); ++i) {
        const jobs::StashCounts c = stash->stage(i).counts();
        stages.append(QJsonObject{{"name", stash->stageName(i)},
                                  {"total", double(c.total)},
                                  {"done", double(c.done)},
                                  {"failed", double(c.failed)},
                                  {"missing", double(c.missing)}});
        if (!p.isSet("json"))
            std::printf("%-12s %lld done, %lld failed, %lld missing (of %lld)\n",
                        qPrintable(stash->stageName(i)), c.done, c.failed, c.missing, c.total);
    }
    if (p.isSet("json")) printJson({{"stash", stash->path()}, {"stages", stages}});
    return kExitOk;
}

int pipelineFailures(const QStringList& args) {
    const QString cmd = QStringLiteral("pipeline failures");
    QCommandLineParser p;
    p.setApplicationDescription(
        "Lists the keys stored as failures, with their stage (redo them with run "
        "--reprocess-failures).");
    p.addOption({"json", "Print one JSON array on stdout."});
    int code = kExitOk;
    const auto stash = openStash(p, args, cmd, &code);
    if (!stash) return code;
    QJsonArray out;
    for (int i = 0; i < stash->stageCount(); ++i)
        for (const jobs::ItemResult& r : stash->stage(i).failures()) {
            if (p.isSet("json")) {
                QJsonObject o = r.toJson();
                o.remove("output");
                o["stage"] = stash->stageName(i);
                out.append(o);
            } else {
                std::printf("%s\t%s\t%s\n", qPrintable(stash->stageName(i)),
                            qPrintable(oneLine(jobs::displayKey(r.key))),
                            qPrintable(oneLine(r.describeFailure())));
            }
        }
    if (p.isSet("json"))
        std::fputs(QJsonDocument(out).toJson(QJsonDocument::Indented).constData(), stdout);
    return kExitOk;
}

int pipelineExport(const QStringList& args) {
    const QString cmd = QStringLiteral("pipeline export");
    QCommandLineParser p;
    p.setApplicationDescription("Writes every stored (key, stage) result as CSV.");
    p.addOption({"csv", "The CSV file to write (replaced whole, never half-written).", "FILE"});
    int code = kExitOk;
    const auto stash = openStash(p, args, cmd, &code);
    if (!stash) return code;
    if (!p.isSet("csv")) {
        printError(cmd, QStringLiteral("--csv FILE is required"));
        return kExitBadInput;
    }
    jobs::DurableFile out(p.value("csv"));
    if (!out.open()) {
        printError(cmd, QStringLiteral("--csv: ") + out.errorString());
        return kExitFailure;
    }
    QByteArray rows;
    CsvWriter csv(&rows);
    csv.row(QStringLiteral("key,stage,status,exit_code,attempts,duration_s,output,error,"
                           "output_encoding,key_encoding")
                .split(u','));
    long long count = 0;
    bool written = out.write(rows);
    for (int i = 0; i < stash->stageCount(); ++i)
        stash->stage(i).forEachResult([&](const jobs::ItemResult& r) {
            const auto [output, output_encoding] = csvBytes(r.output);
            const auto [key, key_encoding] = csvBytes(r.key);
            QByteArray row;
            CsvWriter(&row).row({key, stash->stageName(i),
                                 r.ok ? QStringLiteral("done") : QStringLiteral("failed"),
                                 QString::number(r.exit_code), QString::number(r.attempts),
                                 QString::number(r.duration_s, 'g', 9), output, r.error,
                                 output_encoding, key_encoding});
            written = written && out.write(row);
            ++count;
        });
    if (!written || !out.commit()) {
        printError(cmd, QStringLiteral("--csv: ") + out.errorString());
        return kExitFailure;
    }
    std::fprintf(stderr, "%lld row(s) written to %s\n", count, qPrintable(p.value("csv")));
    return kExitOk;
}

int pipelineGraph(const QStringList& args) {
    const QString cmd = QStringLiteral("pipeline graph");
    QCommandLineParser p;
    p.setApplicationDescription("Prints a pipeline as Graphviz dot on stdout.");
    int code = kExitOk;
    const auto spec = readSpec(p, args, cmd, &code);
    if (!spec) return code;
    std::fputs(pipeline::toDot(*spec).constData(), stdout);
    return kExitOk;
}

} // namespace

int commandPipeline(const QStringList& args) {
    if (args.size() < 2 || args[1] == u"--help" || args[1] == u"-h") {
        std::fputs(kPipelineUsage, args.size() < 2 ? stderr : stdout);
        return args.size() < 2 ? kExitBadInput : kExitOk;
    }
    const QString sub = args[1];
    QStringList rest = args.mid(2);
    rest.prepend(QStringLiteral("throttlectl pipeline ") + sub);
    if (sub == u"run") return pipelineRun(rest);
    if (sub == u"status") return pipelineStatus(rest);
    if (sub == u"failures") return pipelineFailures(rest);
    if (sub == u"export") return pipelineExport(rest);
    if (sub == u"check") return pipelineCheck(rest);
    if (sub == u"graph") return pipelineGraph(rest);
    printError(
        QStringLiteral("pipeline"),
        QStringLiteral("unknown subcommand '%1'; accepted: run, status, failures, export, check, "
                       "graph")
            .arg(oneLine(sub)));
    return kExitBadInput;
}

} // namespace throttlelab::cli
