#include "config_error.h"

namespace throttlelab {

QString engineName(ConfigInput input) {
    switch (input) {
    case ConfigInput::None:
        return {};
    case ConfigInput::Name:
        return QStringLiteral("name");
    case ConfigInput::MaxN:
        return QStringLiteral("max_n");
    case ConfigInput::Per:
        return QStringLiteral("per");
    case ConfigInput::Rate:
        return QStringLiteral("max_n/per");
    case ConfigInput::Correction:
        return QStringLiteral("correction");
    case ConfigInput::RfRate:
        return QStringLiteral("rf_rate");
    case ConfigInput::Hardcap:
        return QStringLiteral("hardcap");
    case ConfigInput::Mode:
        return QStringLiteral("mode");
    case ConfigInput::Backend:
        return QStringLiteral("backend");
    case ConfigInput::OnBackendLoss:
        return QStringLiteral("on_backend_loss");
    }
    return {};
}

QString ConfigError::message() const {
    if (problem.isEmpty() || input == ConfigInput::None) return problem;
    return engineName(input) + u' ' + problem;
}

} // namespace throttlelab
