// libFuzzer: throttlectl's option parsing (run's and set's options) on arbitrary argument
// lists: it either yields a configuration that validates or one error line, never a crash.
#include "cli_options.h"

#include <QCommandLineParser>
#include <QStringList>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // NUL bytes separate the arguments.
    QStringList args{QStringLiteral("throttlectl run")};
    const QList<QByteArray> parts =
        QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)).split('\0');
    for (const QByteArray& p : parts)
        args << QString::fromUtf8(p);
    QCommandLineParser parser;
    throttlelab::cli::addConfigOptions(parser);
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    if (!parser.parse(args)) return 0;
    throttlelab::ThrottleConfig c;
    c.max_n = 4;
    const QString error = throttlelab::cli::applyConfigOptions(parser, c);
    if (error.isEmpty() && !throttlelab::validateConfig(c).isEmpty()) __builtin_trap();
    if (error.contains(u'\n')) __builtin_trap();
    return 0;
}
