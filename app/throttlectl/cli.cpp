#include "cli.h"

#include "cli_options.h"

#include <cstdio>

namespace throttlelab::cli {
namespace {

const char* kUsage = R"(Usage: throttlectl COMMAND [options]

Rate-limit work across processes and watch it live.

Commands:
  run        start a throttle, its monitor and worker processes for a while, then report
  calibrate  measure classic mode's drift and the correction that removes it
  inspect    show a running throttle's configuration, statistics and workers
  set        change a running throttle's settings live
  stop       stop a running throttle
  remove     remove a segment left behind by a crashed run
  bench      measure accuracy, windows, latency, CPU and ceilings on this machine
  bench-shared
             measure a budget shared through Redis (--backend URL)
  soak       minutes of crashes: a worker SIGKILLed every second, then the account
  job        rate-limited batch jobs with a resumable stash (run, status, failures, export)
  pipeline   multi-stage pipelines with a resumable stash (run, status, failures, export,
             check, graph)

Run 'throttlectl COMMAND --help' for a command's options; 'throttlectl --version' prints the
version.
Exit status: 0 success, 1 failure, 2 bad input.
)";

} // namespace

int run(const QStringList& args) {
    if (args.size() < 2 || args[1] == u"--help" || args[1] == u"-h" || args[1] == u"help") {
        std::fputs(kUsage, args.size() < 2 ? stderr : stdout);
        return args.size() < 2 ? kExitBadInput : kExitOk;
    }
    const QString command = args[1];
    QStringList rest = args.mid(2);
    rest.prepend(QStringLiteral("throttlectl ") + command);
    if (command == u"run") return commandRun(rest);
    if (command == u"calibrate") return commandCalibrate(rest);
    if (command == u"inspect") return commandInspect(rest);
    if (command == u"set") return commandSet(rest);
    if (command == u"stop") return commandStop(rest);
    if (command == u"remove") return commandRemove(rest);
    if (command == u"bench") return commandBench(rest);
    if (command == u"bench-shared") return commandBenchShared(rest);
    if (command == u"soak") return commandSoak(rest);
    if (command == u"job") return commandJob(rest);
    if (command == u"pipeline") return commandPipeline(rest);
    std::fprintf(stderr,
                 "throttlectl: unknown command '%s'; accepted: run, calibrate, inspect, set, stop, "
                 "remove, bench, bench-shared, soak, job, pipeline\n",
                 qPrintable(command));
    return kExitBadInput;
}

} // namespace throttlelab::cli
