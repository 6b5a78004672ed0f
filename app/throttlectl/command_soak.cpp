// throttlectl soak: minutes of crashes (a worker SIGKILLed every second), then the account.
#include "cli.h"
#include "cli_options.h"
#include "report.h"
#include "soak.h"

#include <cstdio>
#include <unistd.h>

namespace throttlelab::cli {

int commandSoak(const QStringList& args) {
    const QString cmd = QStringLiteral("soak");
    QCommandLineParser p;
    p.setApplicationDescription(
        "Runs a throttle with worker processes and SIGKILLs one every second (a replacement "
        "starts at once); every 7 s it also SIGKILLs or SIGSTOPs the throttle or monitor "
        "process, which the owner must notice and replace. Then it reports the rate held, permit "
        "conservation, and memory and file "
        "descriptors of the throttle, monitor and this process at start and end.");
    p.addOption({"duration", "Seconds to run (default 600).", "S", "600"});
    p.addOption({"max-n", "Permits per second (default 1000).", "N", "1000"});
    p.addOption({"workers", "Worker processes (default 4).", "W", "4"});
    p.addOption(
        {"no-helper-faults", "Only kill workers; leave the throttle and monitor processes alone."});
    if (QString e = parseCommand(p, args, 0); !e.isEmpty()) {
        printError(cmd, e + QStringLiteral("; see throttlectl soak --help"));
        return kExitBadInput;
    }
    bench::SoakSettings s;
    const auto duration = parseNumber(p.value("duration"));
    const auto max_n = parsePositiveInt(p.value("max-n"));
    const auto workers = parsePositiveInt(p.value("workers"));
    if (!duration || *duration < 2 || *duration > 86400) {
        printError(cmd, QStringLiteral("--duration must be seconds from 2 to 86400, got '%1'")
                            .arg(p.value("duration")));
        return kExitBadInput;
    }
    if (!max_n || *max_n < 1 || *max_n > 10'000'000) {
        printError(cmd, QStringLiteral("--max-n must be an integer from 1 to 10000000, got '%1'")
                            .arg(p.value("max-n")));
        return kExitBadInput;
    }
    if (!workers || *workers < 1 || *workers > 32) {
        printError(cmd, QStringLiteral("--workers must be an integer from 1 to 32, got '%1'")
                            .arg(p.value("workers")));
        return kExitBadInput;
    }
    s.seconds = *duration;
    s.max_n = *max_n;
    s.workers = int(*workers);
    s.helper_faults = !p.isSet("no-helper-faults");
    s.progress = [](double, const QString& line) {
        std::fprintf(stderr, "soak: %s\n", qPrintable(line));
    };
    const bench::SoakResult r = bench::soak(s);
    if (!r.error.isEmpty()) {
        printError(cmd, r.error);
        return kExitFailure;
    }
    printJson(bench::toJson(r));
    return kExitOk;
}

} // namespace throttlelab::cli
