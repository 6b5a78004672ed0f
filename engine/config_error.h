#pragma once
// A refused configuration, typed: which input it is about and what is wrong with it, in the
// engine's own words. Front ends never parse the words: the command line turns `input` into
// its flag (--max-n), the app into the field it marks, and both put `problem` after it.
#include <QString>

namespace throttlelab {

// What an error is about. None: no input is wrong (another process holds the configuration's
// writer lock and does not respond); the command line exits 1 for it, not 2.
enum class ConfigInput {
    None,
    Name,
    MaxN,
    Per,
    Rate,
    Correction,
    RfRate,
    Hardcap,
    Mode,
    Backend,
    OnBackendLoss
};

// The engine's name of each input: the reference's option names ("max_n", "per", ...), and
// "max_n/per" for the rate they make together.
QString engineName(ConfigInput input);

struct ConfigError {
    ConfigInput input = ConfigInput::None;
    // What is wrong, as it reads after the input's name: "must be an integer from 1 to
    // 1000000000, got 0". Empty when there is no error.
    QString problem;

    explicit operator bool() const { return !problem.isEmpty(); }
    bool isBadInput() const { return !problem.isEmpty() && input != ConfigInput::None; }
    // The whole line in the engine's words: "max_n must be an integer ..."; for None, the
    // problem alone.
    QString message() const;
};

} // namespace throttlelab
