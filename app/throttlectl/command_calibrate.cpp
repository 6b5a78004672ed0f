// throttlectl calibrate: classic mode's drift and its correction, measured.
#include "calibration.h"
#include "cli.h"
#include "cli_options.h"
#include "report.h"

#include <cstdio>
#include <unistd.h>

namespace throttlelab::cli {

int commandCalibrate(const QStringList& args) {
    const QString cmd = QStringLiteral("calibrate");
    QCommandLineParser p;
    p.setApplicationDescription(
        "Runs classic mode's sleep loop at the rate max_n/per, measures how far it falls behind, "
        "and finds the correction that brings it back.");
    p.addOption({"max-n", "Permits per --per seconds (an integer >= 1).", "N"});
    p.addOption({"per", "Seconds that --max-n refers to (> 0; default 1).", "S", "1"});
    p.addOption({"duration", "Seconds of measuring (default 1.5).", "D", "1.5"});
    p.addOption({"json", "Print the result as JSON."});
    if (QString e = parseCommand(p, args, 0); !e.isEmpty()) {
        printError(cmd, e + QStringLiteral("; see throttlectl calibrate --help"));
        return kExitBadInput;
    }
    if (!p.isSet("max-n")) {
        printError(cmd, QStringLiteral("--max-n is required (an integer >= 1)"));
        return kExitBadInput;
    }
    ThrottleConfig c;
    c.mode = PacingMode::Classic;
    const auto max_n = parsePositiveInt(p.value("max-n"));
    const auto per = parseNumber(p.value("per"));
    if (!max_n || *max_n <= 0) {
        printError(
            cmd, QStringLiteral("--max-n must be an integer >= 1, got '%1'").arg(p.value("max-n")));
        return kExitBadInput;
    }
    if (!per) {
        printError(cmd,
                   QStringLiteral("--per must be a finite number, got '%1'").arg(p.value("per")));
        return kExitBadInput;
    }
    c.max_n = *max_n;
    c.per = *per;
    if (const ConfigError e = checkConfig(c)) {
        printError(cmd, inFlagWords(e));
        return kExitBadInput;
    }
    auto duration = parseNumber(p.value("duration"));
    if (!duration || *duration <= 0 || *duration > 600) {
        printError(cmd, QStringLiteral("--duration must be seconds in (0, 600], got '%1'")
                            .arg(p.value("duration")));
        return kExitBadInput;
    }
    CalibrationRequest req;
    req.max_n = c.max_n;
    req.per = c.per;
    req.duration_s = *duration;
    const bool tty = isatty(STDERR_FILENO) && !p.isSet("json");
    const CalibrationResult r = calibrate(req, [tty](double f) {
        if (tty) std::fprintf(stderr, "\rcalibrating... %3.0f%%", f * 100);
    });
    if (tty) std::fputc('\n', stderr);
    if (!r.error.isEmpty()) {
        printError(cmd, r.error);
        return kExitFailure;
    }
    if (p.isSet("json")) {
        printJson(toJson(r));
    } else {
        std::printf("target %.6g/s (every %.6g s)\n", r.target_rate, r.requested_interval_s);
        std::printf("without correction: %.6g/s (%.4f of target)\n", r.uncorrected_rate,
                    r.uncorrected_rate / r.target_rate);
        std::printf(
            "correction %.4f (the reference's formula gives %.4f): %.6g/s (%.4f of target)\n",
            r.correction, r.reference_correction, r.corrected_rate,
            r.corrected_rate / r.target_rate);
        if (r.trusted)
            std::printf("trusted: every round's halves agreed within 1%% and the corrected "
                        "loop is within 1%% of the target\n");
        else
            std::printf("not trusted: %s; measure again with a longer --duration or on a "
                        "quieter machine\n",
                        qPrintable(r.doubt));
    }
    return kExitOk;
}

} // namespace throttlelab::cli
