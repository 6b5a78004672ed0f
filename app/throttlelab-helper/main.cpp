// The throttle and monitor processes that Throttle::start() runs; not meant to be run by hand.
#include "helper_process.h"
#include "shared_throttle.h"
#include "throttlelab_version.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <cstdio>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationVersion(QStringLiteral(THROTTLELAB_VERSION));
    QCommandLineParser parser;
    parser.setApplicationDescription("ThrottleLab's helper process (started by a throttle's owner; "
                                     "not meant to be run by hand).");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({"role", "throttle or monitor.", "ROLE"});
    parser.addOption({"name", "The throttle's name.", "NAME"});
    parser.addOption({"log", "monitor: append one CSV row per permit to FILE.", "FILE"});
    parser.addOption({"replacing", "monitor: replace one of this run that died (resume its log)."});
    parser.addOption({"shared", "throttle: lease permits from the budget the segment names."});
    if (!parser.parse(app.arguments())) {
        std::fprintf(stderr, "throttlelab-helper: %s\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet("help")) parser.showHelp(0);
    if (parser.isSet("version")) parser.showVersion();
    const QString role = parser.value("role");
    if (role == QLatin1String("throttle"))
        return parser.isSet("shared")
                   ? throttlelab::backend::runSharedThrottleProcess(parser.value("name"))
                   : throttlelab::runThrottleProcess(parser.value("name"));
    if (role == QLatin1String("monitor"))
        return throttlelab::runMonitorProcess(parser.value("name"), parser.value("log"),
                                              parser.isSet("replacing")
                                                  ? throttlelab::MonitorStart::Replacement
                                                  : throttlelab::MonitorStart::NewRun);
    std::fprintf(stderr, "throttlelab-helper: --role must be throttle or monitor, got '%s'\n",
                 qPrintable(role));
    return 2;
}
