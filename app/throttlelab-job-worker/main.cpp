// A job worker process, started by a job's coordinator (throttlectl job run, or the app's Jobs
// view): keys in on stdin, one result line per key out on stdout.
#include "job_worker.h"
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
        "A job worker, started by 'throttlectl job run': reads keys on stdin, takes a permit "
        "from --throttle for each, runs the task and writes one JSON result line per key.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({"task-json", "The task, as the coordinator describes it.", "JSON"});
    parser.addOption({"index", "This worker's index in the job.", "I", "0"});
    parser.addOption({"throttle", "The throttle to take permits from (none: no limit).", "NAME"});
    parser.addOption({"hold-while-stopped",
                      "While the throttle is stopped, wait for it to start again instead of "
                      "ending."});
    if (!parser.parse(app.arguments())) {
        std::fprintf(stderr, "throttlelab-job-worker: %s\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet("help")) parser.showHelp(0);
    if (parser.isSet("version")) parser.showVersion();
    QString error;
    const QJsonDocument doc = QJsonDocument::fromJson(parser.value("task-json").toUtf8());
    auto task = throttlelab::jobs::TaskSpec::fromJson(doc.object(), &error);
    if (!doc.isObject() || !task) {
        std::fprintf(stderr, "throttlelab-job-worker: --task-json: %s\n",
                     qPrintable(error.isEmpty() ? QStringLiteral("not a JSON object") : error));
        return 2;
    }
    throttlelab::jobs::JobWorkerOptions o;
    o.task = *task;
    o.index = parser.value("index").toInt();
    o.throttle_name = parser.value("throttle");
    o.hold_while_stopped = parser.isSet("hold-while-stopped");
    const int code = throttlelab::jobs::runJobWorker(o, &error);
    if (!error.isEmpty()) std::fprintf(stderr, "throttlelab-job-worker: %s\n", qPrintable(error));
    return code;
}
