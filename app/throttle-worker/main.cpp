// A worker process: joins a running throttle by name and takes a permit before each unit of work.
#include "throttlelab_version.h"
#include "worker_loop.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <cstdio>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationVersion(QStringLiteral(THROTTLELAB_VERSION));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Joins the running throttle NAME and loops: await a permit, work, emit. Ends on the "
        "throttle's kill flag, when the throttle goes away, or after --count permits.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({"name", "The throttle to join.", "NAME"});
    parser.addOption({"work",
                      "Work per permit: none, fixed:5ms, uniform:1ms-10ms, exp:5ms, each "
                      "optionally with :cpu or :sleep (default none).",
                      "PROFILE", "none"});
    parser.addOption({"count", "Stop after N permits (default: no limit).", "N"});
    if (!parser.parse(app.arguments())) {
        std::fprintf(stderr, "throttle-worker: %s\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet("help")) parser.showHelp(0);
    if (parser.isSet("version")) parser.showVersion();
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "throttle-worker: unexpected argument '%s'; see --help\n",
                     qPrintable(parser.positionalArguments().first()));
        return 2;
    }
    throttlelab::WorkerOptions o;
    o.name = parser.value("name");
    if (o.name.isEmpty()) {
        std::fprintf(stderr,
                     "throttle-worker: --name is required (the running throttle to join)\n");
        return 2;
    }
    QString error;
    auto profile = throttlelab::WorkProfile::parse(parser.value("work"), &error);
    if (!profile) {
        std::fprintf(stderr, "throttle-worker: --work %s\n", qPrintable(error));
        return 2;
    }
    o.profile = *profile;
    if (parser.isSet("count")) {
        bool ok = false;
        o.max_permits = parser.value("count").toLongLong(&ok);
        if (!ok || o.max_permits <= 0) {
            std::fprintf(stderr, "throttle-worker: --count must be an integer > 0, got '%s'\n",
                         qPrintable(parser.value("count")));
            return 2;
        }
    }
    const int code = throttlelab::runWorker(o, &error);
    if (!error.isEmpty()) std::fprintf(stderr, "throttle-worker: %s\n", qPrintable(error));
    // A name that is not running is bad input, like the CLI's.
    return code == 1 ? 2 : code;
}
