// throttlectl pipeline: multi-stage pipelines (issue 16). What exists so far: the pipeline
// file is checked whole (check) and drawn (graph); running one is still to come.
#include "cli.h"
#include "cli_options.h"
#include "one_line.h"
#include "pipeline_graph.h"
#include "pipeline_spec.h"
#include "report.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QThread>
#include <cstdio>

namespace throttlelab::cli {

namespace {

const char* kPipelineUsage = R"(Usage: throttlectl pipeline SUBCOMMAND [options]

Multi-stage pipelines: every key goes through every stage, each stage with its own workers,
queue and limit.

Subcommands:
  check FILE   check a pipeline file and show the stages it resolves to (--json)
  graph FILE   print the pipeline as Graphviz dot (throttlectl pipeline graph p.json | dot -Tpng)

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
    if (sub == u"check") return pipelineCheck(rest);
    if (sub == u"graph") return pipelineGraph(rest);
    printError(QStringLiteral("pipeline"),
               QStringLiteral("unknown subcommand '%1'; accepted: check, graph").arg(oneLine(sub)));
    return kExitBadInput;
}

} // namespace throttlelab::cli
