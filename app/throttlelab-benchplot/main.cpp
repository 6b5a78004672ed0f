// Renders the PNG plots of a `throttlectl bench --json` report (run by `throttlectl bench
// --plots`).
#include "bench_plots.h"
#include "throttlelab_version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QJsonDocument>
#include <cstdio>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QCoreApplication::setApplicationVersion(QStringLiteral(THROTTLELAB_VERSION));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Renders accuracy.png, latency.png and cpu.png from a bench report.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({"input", "The JSON report written by throttlectl bench --json.", "FILE"});
    parser.addOption({"out", "The folder to write the PNG files into.", "DIR"});
    if (!parser.parse(app.arguments()) || !parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "throttlelab-benchplot: %s\n",
                     qPrintable(parser.errorText().isEmpty()
                                    ? QStringLiteral("unexpected argument; see --help")
                                    : parser.errorText()));
        return 2;
    }
    if (parser.isSet("help")) parser.showHelp(0);
    if (parser.isSet("version")) parser.showVersion();
    QFile f(parser.value("input"));
    if (!f.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "throttlelab-benchplot: --input: cannot read '%s'\n",
                     qPrintable(parser.value("input")));
        return 2;
    }
    QJsonParseError parse_error;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &parse_error);
    if (!doc.isObject()) {
        std::fprintf(stderr, "throttlelab-benchplot: --input is not a bench report: %s\n",
                     qPrintable(parse_error.errorString()));
        return 2;
    }
    QString error;
    const QStringList written =
        throttlelab::ui::renderBenchPlots(doc.object(), parser.value("out"), &error);
    if (written.isEmpty()) {
        std::fprintf(stderr, "throttlelab-benchplot: %s\n", qPrintable(error));
        return 1;
    }
    for (const QString& w : written)
        std::printf("%s\n", qPrintable(w));
    return 0;
}
