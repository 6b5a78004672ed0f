// throttlectl bench: the benchmark suite, as JSON, a Markdown table and PNG plots.
#include "benchmarks.h"
#include "cli.h"
#include "cli_options.h"
#include "executable_lookup.h"
#include "report.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QProcessEnvironment>
#include <cstdio>
#include <unistd.h>

namespace throttlelab::cli {
int commandBench(const QStringList& args) {
    const QString cmd = QStringLiteral("bench");
    QCommandLineParser p;
    p.setApplicationDescription(
        "Measures, on this machine: rate accuracy over 1..1M permits/s (exact, classic, classic "
        "calibrated), window compliance after idle and restart, wake-up latency, the CPU of the "
        "throttle and monitor processes, ceilings, and micro-benchmarks. Prints a Markdown table.");
    p.addOption({"quick", "A smoke run in well under a minute (fewer rates, shorter runs)."});
    p.addOption({"json", "Also write every figure (and latency samples) as JSON to FILE.", "FILE"});
    p.addOption({"markdown", "Write the Markdown table to FILE instead of stdout.", "FILE"});
    p.addOption({"only",
                 "Run only these parts, comma-separated: micro, latency, cpu, window, ceilings, "
                 "accuracy, sweep (exact mode, 3 rates a decade, 1-8 workers), fairness.",
                 "PARTS"});
    p.addOption({"plots", "Render PNG plots into DIR (needs the throttlelab-benchplot executable).",
                 "DIR"});
    if (QString e = parseCommand(p, args, 0); !e.isEmpty()) {
        printError(cmd, e + QStringLiteral("; see throttlectl bench --help"));
        return kExitBadInput;
    }
    QString plot_exe;
    if (p.isSet("plots")) {
        plot_exe = findExecutable(QStringLiteral("throttlelab-benchplot"));
        if (plot_exe.isEmpty()) {
            printError(
                cmd,
                QStringLiteral(
                    "--plots needs throttlelab-benchplot, which was not built (the UI is off)"));
            return kExitBadInput;
        }
        if (!QDir().mkpath(p.value("plots"))) {
            printError(cmd, QStringLiteral("--plots: cannot create '%1'").arg(p.value("plots")));
            return kExitBadInput;
        }
    }
    // Check the outputs before minutes of measuring.
    for (const char* option : {"json", "markdown"})
        if (p.isSet(option)) {
            QFile f(p.value(option));
            if (!f.open(QIODevice::WriteOnly | QIODevice::Append)) {
                printError(cmd,
                           QStringLiteral("--%1: cannot write '%2'").arg(option, p.value(option)));
                return kExitBadInput;
            }
        }
    bench::BenchSettings settings;
    settings.quick = p.isSet("quick");
    if (p.isSet("only")) {
        const QStringList known{"micro",    "latency",  "cpu",   "window",
                                "ceilings", "accuracy", "sweep", "fairness"};
        settings.only = p.value("only").split(u',', Qt::SkipEmptyParts);
        for (const QString& part : settings.only)
            if (!known.contains(part)) {
                printError(cmd, QStringLiteral("--only: unknown part '%1'; accepted: %2")
                                    .arg(part, known.join(", ")));
                return kExitBadInput;
            }
    }
    const bool tty = isatty(STDERR_FILENO);
    settings.progress = [tty](const QString& step, double fraction) {
        if (tty)
            std::fprintf(stderr, "\r\033[K[%3.0f%%] %s", fraction * 100, qPrintable(step));
        else
            std::fprintf(stderr, "bench: %s\n", qPrintable(step));
        std::fflush(stderr);
    };
    const bench::Report report = bench::runAll(settings);
    if (tty) std::fprintf(stderr, "\r\033[K");
    const QByteArray json = QJsonDocument(bench::toJson(report)).toJson(QJsonDocument::Indented);
    QString error;
    QString json_path = p.value("json");
    if (json_path.isEmpty() && p.isSet("plots"))
        json_path = QDir(p.value("plots")).filePath("bench.json");
    if (!json_path.isEmpty() && !writeFile(json_path, json, &error)) {
        printError(cmd, error);
        return kExitFailure;
    }
    const QByteArray md = bench::toMarkdown(report).toUtf8();
    if (p.isSet("markdown")) {
        if (!writeFile(p.value("markdown"), md, &error)) {
            printError(cmd, error);
            return kExitFailure;
        }
    } else {
        std::fputs(md.constData(), stdout);
    }
    if (!plot_exe.isEmpty()) {
        QProcess plot;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        if (!env.contains("QT_QPA_PLATFORM")) env.insert("QT_QPA_PLATFORM", "offscreen");
        plot.setProcessEnvironment(env);
        plot.setProcessChannelMode(QProcess::ForwardedChannels);
        plot.start(plot_exe, {"--input", json_path, "--out", p.value("plots")});
        if (!plot.waitForFinished(120000) || plot.exitCode() != 0) {
            printError(cmd, QStringLiteral("rendering the plots failed"));
            return kExitFailure;
        }
    }
    return kExitOk;
}

} // namespace throttlelab::cli
