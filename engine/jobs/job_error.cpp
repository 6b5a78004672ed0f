#include "job_error.h"

namespace throttlelab::jobs {

QString engineName(JobInput input) {
    switch (input) {
    case JobInput::None:
        return {};
    case JobInput::Range:
        return QStringLiteral("range");
    case JobInput::Items:
        return QStringLiteral("items");
    case JobInput::Command:
        return QStringLiteral("command");
    case JobInput::Synthetic:
        return QStringLiteral("synthetic work");
    case JobInput::FailRate:
        return QStringLiteral("fail rate");
    case JobInput::Workers:
        return QStringLiteral("workers");
    case JobInput::ChunkSize:
        return QStringLiteral("chunk size");
    case JobInput::Stash:
        return QStringLiteral("stash");
    case JobInput::Attach:
        return QStringLiteral("attach");
    case JobInput::Name:
        return QStringLiteral("name");
    // The limit's inputs keep the engine's names (max_n, per ...).
    case JobInput::MaxN:
        return throttlelab::engineName(ConfigInput::MaxN);
    case JobInput::Per:
        return throttlelab::engineName(ConfigInput::Per);
    case JobInput::Rate:
        return throttlelab::engineName(ConfigInput::Rate);
    case JobInput::Correction:
        return throttlelab::engineName(ConfigInput::Correction);
    case JobInput::RfRate:
        return throttlelab::engineName(ConfigInput::RfRate);
    case JobInput::Hardcap:
        return throttlelab::engineName(ConfigInput::Hardcap);
    case JobInput::Mode:
        return throttlelab::engineName(ConfigInput::Mode);
    }
    return {};
}

QString JobError::message() const {
    if (problem.isEmpty() || input == JobInput::None) return problem;
    return engineName(input) + u' ' + problem;
}

JobError fromConfigError(const ConfigError& e) {
    JobInput input = JobInput::None;
    switch (e.input) {
    case ConfigInput::None:
        input = JobInput::None;
        break;
    case ConfigInput::Name:
        input = JobInput::Name;
        break;
    case ConfigInput::MaxN:
        input = JobInput::MaxN;
        break;
    case ConfigInput::Per:
        input = JobInput::Per;
        break;
    case ConfigInput::Rate:
        input = JobInput::Rate;
        break;
    case ConfigInput::Correction:
        input = JobInput::Correction;
        break;
    case ConfigInput::RfRate:
        input = JobInput::RfRate;
        break;
    case ConfigInput::Hardcap:
        input = JobInput::Hardcap;
        break;
    case ConfigInput::Mode:
        input = JobInput::Mode;
        break;
    case ConfigInput::Backend:
    case ConfigInput::OnBackendLoss:
        input = JobInput::None; // a job's own throttle shares no budget
        break;
    }
    return {input, e.problem, e.isBadInput()};
}

} // namespace throttlelab::jobs
