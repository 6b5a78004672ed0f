#include "cli_options.h"

#include "one_line.h"

#include <cmath>
#include <cstdio>

namespace throttlelab::cli {

std::optional<long long> parsePositiveInt(const QString& text) {
    bool ok = false;
    const long long v = text.trimmed().toLongLong(&ok);
    if (!ok) return std::nullopt;
    return v;
}

std::optional<double> parseNumber(const QString& text) {
    bool ok = false;
    const double v = text.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(v)) return std::nullopt;
    return v;
}

void addConfigOptions(QCommandLineParser& p) {
    p.addOption({"max-n", "Permits per --per seconds (an integer >= 1).", "N"});
    p.addOption({"per", "Seconds that --max-n refers to (> 0).", "S"});
    p.addOption({"hardcap", "Burst bound: limit, one, none or window.", "CAP"});
    p.addOption({"mode", "Pacing: exact (deadline based) or classic (the reference's sleep loop).",
                 "MODE"});
    p.addOption({"correction", "classic mode's _correction, in [0, 1).", "C"});
    p.addOption({"rf-rate", "Monitor refresh period in seconds (> 0).", "R"});
    p.addOption({"auto-emit", "Emit on every grant: on or off.", "on|off"});
}

QString applyConfigOptionsUnquoted(const QCommandLineParser& p, ThrottleConfig& c);

QString applyConfigOptions(const QCommandLineParser& p, ThrottleConfig& c) {
    return oneLine(applyConfigOptionsUnquoted(p, c));
}

QString applyConfigOptionsUnquoted(const QCommandLineParser& p, ThrottleConfig& c) {
    if (p.isSet("max-n")) {
        auto v = parsePositiveInt(p.value("max-n"));
        if (!v || *v <= 0)
            return QStringLiteral("--max-n must be an integer >= 1, got '%1'")
                .arg(p.value("max-n"));
        c.max_n = *v;
    }
    auto number = [&](const char* name, double& out) -> QString {
        if (!p.isSet(name)) return {};
        auto v = parseNumber(p.value(name));
        if (!v)
            return QStringLiteral("--%1 must be a finite number, got '%2'")
                .arg(name, p.value(name));
        out = *v;
        return {};
    };
    if (QString e = number("per", c.per); !e.isEmpty()) return e;
    if (QString e = number("correction", c.correction); !e.isEmpty()) return e;
    if (QString e = number("rf-rate", c.rf_rate); !e.isEmpty()) return e;
    if (p.isSet("hardcap")) {
        auto h = parseHardcap(p.value("hardcap"));
        if (!h)
            return QStringLiteral("--hardcap must be limit, one, none or window, got '%1'")
                .arg(p.value("hardcap"));
        c.hardcap = *h;
    }
    if (p.isSet("mode")) {
        auto m = parsePacingMode(p.value("mode"));
        if (!m)
            return QStringLiteral("--mode must be exact or classic, got '%1'").arg(p.value("mode"));
        c.mode = *m;
    }
    if (p.isSet("auto-emit")) {
        const QString v = p.value("auto-emit");
        if (v != u"on" && v != u"off")
            return QStringLiteral("--auto-emit must be on or off, got '%1'").arg(v);
        c.auto_emit = v == u"on";
    }
    // The engine's own checks, spelled with the CLI's option names.
    return inFlagWords(checkConfig(c));
}

QString flagName(ConfigInput input) {
    switch (input) {
    case ConfigInput::None:
        return {};
    case ConfigInput::Name:
        return QStringLiteral("--name");
    case ConfigInput::MaxN:
        return QStringLiteral("--max-n");
    case ConfigInput::Per:
        return QStringLiteral("--per");
    case ConfigInput::Rate:
        return QStringLiteral("--max-n/--per");
    case ConfigInput::Correction:
        return QStringLiteral("--correction");
    case ConfigInput::RfRate:
        return QStringLiteral("--rf-rate");
    case ConfigInput::Hardcap:
        return QStringLiteral("--hardcap");
    case ConfigInput::Mode:
        return QStringLiteral("--mode");
    case ConfigInput::Backend:
        return QStringLiteral("--backend");
    case ConfigInput::OnBackendLoss:
        return QStringLiteral("--on-backend-loss");
    }
    return {};
}

QString inFlagWords(const ConfigError& e) {
    if (!e || e.input == ConfigInput::None) return e.problem;
    return flagName(e.input) + u' ' + e.problem;
}

QString flagName(jobs::JobInput input) {
    using jobs::JobInput;
    switch (input) {
    case JobInput::None:
        return {};
    case JobInput::Range:
        return QStringLiteral("--range");
    case JobInput::Items:
        return QStringLiteral("--items");
    case JobInput::Command:
        return QStringLiteral("--command");
    case JobInput::Synthetic:
        return QStringLiteral("--synthetic");
    case JobInput::FailRate:
        return QStringLiteral("--fail-rate");
    case JobInput::Workers:
        return QStringLiteral("--workers");
    case JobInput::ChunkSize:
        return QStringLiteral("--chunk-size");
    case JobInput::Stash:
        return QStringLiteral("--stash");
    case JobInput::Attach:
        return QStringLiteral("--attach");
    case JobInput::Name:
        return QStringLiteral("--name");
    case JobInput::MaxN:
        return flagName(ConfigInput::MaxN);
    case JobInput::Per:
        return flagName(ConfigInput::Per);
    case JobInput::Rate:
        return flagName(ConfigInput::Rate);
    case JobInput::Correction:
        return flagName(ConfigInput::Correction);
    case JobInput::RfRate:
        return flagName(ConfigInput::RfRate);
    case JobInput::Hardcap:
        return flagName(ConfigInput::Hardcap);
    case JobInput::Mode:
        return flagName(ConfigInput::Mode);
    }
    return {};
}

QString inFlagWords(const jobs::JobError& e) {
    if (!e || e.input == jobs::JobInput::None) return e.problem;
    return flagName(e.input) + u' ' + e.problem;
}

ConfigPatch configPatchFromOptions(const QCommandLineParser& p, const ThrottleConfig& parsed) {
    ConfigPatch patch;
    if (p.isSet("max-n")) patch.max_n = parsed.max_n;
    if (p.isSet("per")) patch.per = parsed.per;
    if (p.isSet("hardcap")) patch.hardcap = parsed.hardcap;
    if (p.isSet("mode")) patch.mode = parsed.mode;
    if (p.isSet("correction")) patch.correction = parsed.correction;
    if (p.isSet("rf-rate")) patch.rf_rate = parsed.rf_rate;
    if (p.isSet("auto-emit")) patch.auto_emit = parsed.auto_emit;
    return patch;
}

QString parseCommand(QCommandLineParser& p, const QStringList& args, int max_positional) {
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    p.addHelpOption();
    if (!p.parse(args)) return p.errorText();
    if (p.isSet("help")) {
        std::fputs(qPrintable(p.helpText()), stdout);
        std::exit(0);
    }
    if (p.positionalArguments().size() > max_positional)
        return QStringLiteral("unexpected argument '%1'")
            .arg(p.positionalArguments().at(max_positional));
    return {};
}

void printError(const QString& command, const QString& message) {
    QString line = oneLine(message.trimmed());
    std::fprintf(stderr, "throttlectl %s: %s\n", qPrintable(command), qPrintable(line.trimmed()));
}

} // namespace throttlelab::cli
