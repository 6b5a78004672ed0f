#pragma once
// A refused or failed batch job, typed: which input it is about and what is wrong, in the
// jobs library's own words. The command line turns `input` into its flag (--stash), the app
// into the field it marks; neither parses the words.
#include "config_error.h"

#include <QString>

namespace throttlelab::jobs {

enum class JobInput {
    None, // about no input: the run itself failed
    Range,
    Items,
    Command,
    Synthetic,
    FailRate,
    Workers,
    ChunkSize,
    Stash,
    Attach,
    Name,
    MaxN,
    Per,
    Rate, // max_n and per together
    Correction,
    RfRate,
    Hardcap,
    Mode,
};

// The jobs library's name of each input ("stash", "items", "max_n" ...).
QString engineName(JobInput input);

struct JobError {
    JobInput input = JobInput::None;
    QString problem; // as it reads after the input's name; empty: no error
    // Bad input (exit status 2) or a failure of the machine (a full disk, a stash in use:
    // exit status 1). An error about no input is always a failure.
    bool bad_input = true;

    explicit operator bool() const { return !problem.isEmpty(); }
    bool isBadInput() const { return !problem.isEmpty() && bad_input && input != JobInput::None; }
    QString message() const; // "stash '/x' does not exist"
};

// A throttle configuration's error as a job's: the same input, the same words.
JobError fromConfigError(const ConfigError& e);

} // namespace throttlelab::jobs
