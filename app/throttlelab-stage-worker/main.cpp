// A pipeline stage's worker process, started by a pipeline's coordinator (throttlectl
// pipeline run): framed requests in on stdin, one result line per request out on stdout.
#include "stage_worker.h"
#include "throttlelab_version.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationVersion(QStringLiteral(THROTTLELAB_VERSION));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "A pipeline stage's worker, started by 'throttlectl pipeline run': reads one framed "
        "record per line on stdin, takes a permit from --throttle for each, runs the stage's "
        "task with the record's input on its stdin and writes one JSON result line per record.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({"task-json", "The stage's task, as the coordinator describes it.", "JSON"});
    parser.addOption({"serve", "Run the command once and ask it for each record."});
    parser.addOption({"index", "This worker's index in its stage.", "I", "0"});
    parser.addOption({"throttle", "The throttle to take permits from (none: no limit).", "NAME"});
    if (!parser.parse(app.arguments())) {
        std::fprintf(stderr, "throttlelab-stage-worker: %s\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet("help")) parser.showHelp(0);
    if (parser.isSet("version")) parser.showVersion();
    QString error;
    const QJsonDocument doc = QJsonDocument::fromJson(parser.value("task-json").toUtf8());
    auto task = throttlelab::jobs::TaskSpec::fromJson(doc.object(), &error);
    if (!doc.isObject() || !task) {
        std::fprintf(stderr, "throttlelab-stage-worker: --task-json: %s\n",
                     qPrintable(error.isEmpty() ? QStringLiteral("not a JSON object") : error));
        return 2;
    }
    throttlelab::pipeline::StageWorkerOptions o;
    o.task = *task;
    o.serve = parser.isSet("serve");
    o.index = parser.value("index").toInt();
    o.throttle_name = parser.value("throttle");
    const int code = throttlelab::pipeline::runStageWorker(o, &error);
    if (!error.isEmpty()) std::fprintf(stderr, "throttlelab-stage-worker: %s\n", qPrintable(error));
    return code;
}
