#pragma once
// Parsing of the options throttlectl's commands share, into the engine's types. Every
// failure is one line naming the option and what it accepts.
#include "config_channel.h"
#include "job_error.h"
#include "options.h"

#include <QCommandLineParser>
#include <optional>

namespace throttlelab::cli {

// Adds --max-n, --per, --hardcap, --mode, --correction, --rf-rate, --auto-emit.
void addConfigOptions(QCommandLineParser& p);
// The engine's error in this command line's words: the input becomes its flag
// ("--max-n must be an integer ..."); an error about no input stays as it is.
QString flagName(ConfigInput input);
QString inFlagWords(const ConfigError& e);
// The same for `throttlectl job run`'s inputs (--stash, --items ...).
QString flagName(jobs::JobInput input);
QString inFlagWords(const jobs::JobError& e);

// Applies the options that are set onto `config`; returns an error line or empty.
QString applyConfigOptions(const QCommandLineParser& p, ThrottleConfig& config);
// The fields the options set, with the values applyConfigOptions() parsed into `parsed`.
ConfigPatch configPatchFromOptions(const QCommandLineParser& p, const ThrottleConfig& parsed);

std::optional<long long> parsePositiveInt(const QString& text);
std::optional<double> parseNumber(const QString& text);

// Parses the command's own arguments (args[0] is "throttlectl CMD"); prints help and exits
// for --help; returns an error line for unknown options or stray arguments.
QString parseCommand(QCommandLineParser& p, const QStringList& args, int max_positional);

void printError(const QString& command, const QString& message);

} // namespace throttlelab::cli
