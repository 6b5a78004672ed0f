#pragma once
// What a job does with each key: an external command (run without a shell unless asked, so a
// key is never parsed as shell syntax), or a built-in synthetic task for demos and tests.
#include "work_profile.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <optional>

namespace throttlelab::jobs {

// Splits a command line into words the way a POSIX shell would for plain words: blanks
// separate, '...' and "..." quote, a backslash escapes; nothing is expanded.
std::optional<QStringList> splitCommandLine(const QString& text, QString* error);

// A synthetic task's probability of failing: empty when in [0, 1], else what is wrong.
QString checkFailRate(double fail_rate);

struct TaskSpec {
    enum class Kind { Command, Synthetic };
    Kind kind = Kind::Command;
    // Command: a template split into words by splitCommandLine, with {} for the key (appended as
    // the last argument when absent). With `shell`, /bin/sh -c runs it with the key as $1, and {}
    // stands for "$1".
    QString command_template;
    bool shell = false;
    // A pipeline stage reads its input on stdin, so its key goes only where {} is written,
    // never appended ("tr a-z A-Z" gets no key argument).
    bool key_only_where_marked = false;
    // Synthetic: work from a profile (none, fixed:5ms, exp:5ms:cpu ...) that fails with
    // probability `fail_rate`, to show failures and their reprocessing.
    WorkProfile synthetic;
    double fail_rate = 0.0;
    // Per item: a run longer than this is killed and stored as a failure (0: no limit).
    double timeout_s = 0.0;
    // How much of an item's stdout is kept, and of its stderr's tail on failure.
    qint64 max_output_bytes = 64 * 1024;
    qint64 stderr_tail_bytes = 4 * 1024;

    static std::optional<TaskSpec> command(const QString& command_template, bool shell,
                                           QString* error);
    // Refuses a fail rate outside [0, 1] (see checkFailRate) or a bad profile.
    static std::optional<TaskSpec> syntheticTask(const QString& profile, double fail_rate,
                                                 QString* error);
    // What identifies a job in its stash: results of one task are not mixed with another's.
    QString fingerprint() const;
    // The program and arguments for one key (Command only), as bytes: the key's bytes reach
    // the command unchanged.
    QList<QByteArray> argv(const QByteArray& key) const;

    QJsonObject toJson() const;
    static std::optional<TaskSpec> fromJson(const QJsonObject& o, QString* error);
};

} // namespace throttlelab::jobs
