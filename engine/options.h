#pragma once
// The options of a throttle, with mp_throttle's names and meanings, and their validation.
#include "config_error.h"

#include <QString>
#include <optional>

namespace throttlelab {

// How many permits the tank may bank. 'window' is ThrottleLab's own: never more than max_n
// permits in any sliding window of length `per`, even right after idle or a restart.
enum class Hardcap { Limit, One, None, Window };

// classic: the reference's sleep loop (drifts; _correction compensates).
// exact: a deadline/reservation pacer that needs no calibration.
enum class PacingMode { Classic, Exact };

// What a throttle sharing a budget through a backend does while the backend is slow or gone:
// closed, no permits until it is back; open, no limit; local, this machine's fair share
// (max_n / machines seen) from its own pacer.
enum class BackendLossPolicy { Closed, Open, Local };

QString toString(Hardcap h);
QString toString(BackendLossPolicy p);
std::optional<BackendLossPolicy> parseBackendLossPolicy(const QString& text);
QString toString(PacingMode m);
std::optional<Hardcap> parseHardcap(const QString& text);
std::optional<PacingMode> parsePacingMode(const QString& text);

// The window hardcap keeps the last grants in a fixed ring inside the segment.
constexpr long long kMaxWindowPermits = 65536;
constexpr long long kMaxPermitsPerWindow = 1'000'000'000;
constexpr double kMaxPerSeconds = 1'000'000.0;
constexpr double kMaxRatePerSecond = 100'000'000.0;
constexpr double kMinRefreshSeconds = 0.001;

// The live-tunable part: what every attached process reads before each decision.
struct ThrottleConfig {
    long long max_n = 0;
    double per = 1.0;
    Hardcap hardcap = Hardcap::Limit;
    PacingMode mode = PacingMode::Exact;
    double correction = 0.0;
    double rf_rate = 0.01;
    bool auto_emit = true;

    double targetRate() const { return per > 0 ? double(max_n) / per : 0.0; }
    bool operator==(const ThrottleConfig&) const = default;
};

struct ThrottleOptions {
    QString name = QStringLiteral("default");
    ThrottleConfig config;
    bool as_throttle = true;
    bool as_monitor = true;
    // Unset means the reference's rule: follow as_throttle.
    std::optional<bool> auto_emit;
    // Unset means the reference's rule: calibrate classic mode when the rate is >= 49/s and
    // no correction was given.
    std::optional<bool> auto_calibrate;
    bool correction_given = false;
    // Where throttlelab-helper lives; empty means next to the running executable.
    QString helper_path;
    // A CSV file the monitor appends one row per permit to (worker,grant_s,emit_s).
    QString log_path;
    // One budget shared with other machines (backend_url.h), e.g.
    // redis://127.0.0.1:6379/0?key=api; empty: this machine's own. Fixed for the owner's life.
    QString backend_url;
    // Unset: closed for the window hardcap (it promises a window), local otherwise.
    std::optional<BackendLossPolicy> on_backend_loss;

    // Applies the reference's defaults for the unset options.
    ThrottleOptions resolved() const;
};

// Each returns no error when valid, else which input is wrong and what is accepted.
ConfigError checkConfig(const ThrottleConfig& c);
ConfigError checkName(const QString& name);
ConfigError checkOptions(const ThrottleOptions& o);
// What a configuration shared through a backend must also be (exact mode).
ConfigError checkSharedConfig(const ThrottleConfig& c);
// The same as one line in the engine's words (empty when valid), for callers that only pass
// the line on; a front end that shows or marks the input uses the check functions.
QString validateConfig(const ThrottleConfig& c);
QString validateName(const QString& name);
QString validateOptions(const ThrottleOptions& o);

} // namespace throttlelab
