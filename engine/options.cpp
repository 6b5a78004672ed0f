#include "options.h"

#include "backend_url.h"
#include "one_line.h"

#include <cmath>

namespace throttlelab {

QString toString(Hardcap h) {
    switch (h) {
    case Hardcap::Limit:
        return QStringLiteral("limit");
    case Hardcap::One:
        return QStringLiteral("one");
    case Hardcap::None:
        return QStringLiteral("none");
    case Hardcap::Window:
        return QStringLiteral("window");
    }
    return {};
}

QString toString(PacingMode m) {
    return m == PacingMode::Classic ? QStringLiteral("classic") : QStringLiteral("exact");
}

QString toString(BackendLossPolicy p) {
    switch (p) {
    case BackendLossPolicy::Closed:
        return QStringLiteral("closed");
    case BackendLossPolicy::Open:
        return QStringLiteral("open");
    case BackendLossPolicy::Local:
        return QStringLiteral("local");
    }
    return {};
}

std::optional<BackendLossPolicy> parseBackendLossPolicy(const QString& text) {
    for (BackendLossPolicy p :
         {BackendLossPolicy::Closed, BackendLossPolicy::Open, BackendLossPolicy::Local})
        if (text == toString(p)) return p;
    return std::nullopt;
}

std::optional<Hardcap> parseHardcap(const QString& text) {
    for (Hardcap h : {Hardcap::Limit, Hardcap::One, Hardcap::None, Hardcap::Window})
        if (text == toString(h)) return h;
    return std::nullopt;
}

std::optional<PacingMode> parsePacingMode(const QString& text) {
    for (PacingMode m : {PacingMode::Classic, PacingMode::Exact})
        if (text == toString(m)) return m;
    return std::nullopt;
}

ThrottleOptions ThrottleOptions::resolved() const {
    ThrottleOptions r = *this;
    if (!r.auto_emit) r.auto_emit = r.as_throttle;
    r.config.auto_emit = *r.auto_emit;
    if (!r.backend_url.isEmpty() && !r.on_backend_loss)
        r.on_backend_loss = r.config.hardcap == Hardcap::Window ? BackendLossPolicy::Closed
                                                                : BackendLossPolicy::Local;
    if (!r.auto_calibrate)
        r.auto_calibrate = r.config.mode == PacingMode::Classic && !r.correction_given &&
                           r.config.targetRate() >= 49.0;
    return r;
}

ConfigError checkConfig(const ThrottleConfig& c) {
    if (c.max_n <= 0 || c.max_n > kMaxPermitsPerWindow)
        return {ConfigInput::MaxN, QStringLiteral("must be an integer from 1 to %1, got %2")
                                       .arg(kMaxPermitsPerWindow)
                                       .arg(c.max_n)};
    if (!std::isfinite(c.per) || c.per <= 0 || c.per > kMaxPerSeconds)
        return {ConfigInput::Per,
                QStringLiteral("must be a number of seconds > 0 and <= %1, got %2")
                    .arg(kMaxPerSeconds)
                    .arg(c.per)};
    if (c.targetRate() > kMaxRatePerSecond)
        return {ConfigInput::Rate, QStringLiteral("must be at most %1 permits per second, got %2")
                                       .arg(kMaxRatePerSecond)
                                       .arg(c.targetRate())};
    if (!std::isfinite(c.correction) || c.correction < 0 || c.correction >= 1)
        return {ConfigInput::Correction,
                QStringLiteral("must be in [0, 1), got %1").arg(c.correction)};
    // Below a millisecond the monitor would only spin: its rounds take longer than that at
    // high rates, and nothing shows figures faster. (1e-10 used to round to 0 ns when stored,
    // after which every later change failed.)
    if (!std::isfinite(c.rf_rate) || c.rf_rate < kMinRefreshSeconds || c.rf_rate > 60)
        return {ConfigInput::RfRate,
                QStringLiteral("must be a number of seconds from %1 to 60, got %2")
                    .arg(kMinRefreshSeconds)
                    .arg(c.rf_rate)};
    if (c.hardcap == Hardcap::Window && c.max_n > kMaxWindowPermits)
        return {ConfigInput::MaxN, QStringLiteral("may be at most %1 with hardcap window, got %2")
                                       .arg(kMaxWindowPermits)
                                       .arg(c.max_n)};
    return {};
}

ConfigError checkName(const QString& name) {
    if (name.isEmpty()) return {ConfigInput::Name, QStringLiteral("must not be empty")};
    if (name.size() > 64)
        return {ConfigInput::Name,
                QStringLiteral("must be at most 64 characters, got %1").arg(name.size())};
    for (QChar ch : name) {
        const bool ok = (ch >= u'a' && ch <= u'z') || (ch >= u'A' && ch <= u'Z') ||
                        (ch >= u'0' && ch <= u'9') || ch == u'-' || ch == u'_' || ch == u'.';
        if (!ok)
            return {
                ConfigInput::Name,
                oneLine(QStringLiteral("may hold only letters, digits, '-', '_' and '.', got '%1'")
                            .arg(name.left(80)))};
    }
    return {};
}

ConfigError checkOptions(const ThrottleOptions& o) {
    if (ConfigError e = checkName(o.name)) return e;
    if (ConfigError e = checkConfig(o.config)) return e;
    if (!o.backend_url.isEmpty()) {
        QString error;
        if (!BackendUrl::parse(o.backend_url, &error)) return {ConfigInput::Backend, error};
        if (ConfigError e = checkSharedConfig(o.config)) return e;
        if (!o.as_throttle)
            return {ConfigInput::Backend,
                    QStringLiteral("needs a throttle (as_throttle): a monitor alone shares no "
                                   "budget")};
    }
    return {};
}

ConfigError checkSharedConfig(const ThrottleConfig& c) {
    if (c.mode == PacingMode::Classic)
        return {ConfigInput::Mode,
                QStringLiteral("must be exact when the budget is shared through a backend "
                               "(classic is one machine's sleep loop), got classic")};
    return {};
}

QString validateConfig(const ThrottleConfig& c) {
    return checkConfig(c).message();
}

QString validateName(const QString& name) {
    return checkName(name).message();
}

QString validateOptions(const ThrottleOptions& o) {
    return checkOptions(o).message();
}

} // namespace throttlelab
