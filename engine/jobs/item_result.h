#pragma once
// One key's outcome, as a worker reports it and a stash keeps it. A failure (non-zero exit,
// a signal, a timeout, a program that would not start) is a result too: it is stored, listed
// and can be reprocessed.
#include "job_key.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <optional>

namespace throttlelab::jobs {

struct ItemResult {
    QByteArray key; // bytes (see job_key.h)
    bool ok = false;
    int exit_code = -1;
    int signal = 0; // the signal that ended the task, 0 if none
    bool timed_out = false;
    QByteArray output; // stdout, at most the task's max_output_bytes
    bool output_truncated = false;
    QString error;         // stderr's tail, or why the task could not run
    double started_at = 0; // Unix seconds
    double wait_s = 0;     // waiting for fuel
    double duration_s = 0; // running the task
    int worker = -1;       // the job's worker index
    qint64 pid = 0;        // the worker process
    int attempts = 1;      // counted by the stash across runs

    // The output as base64; the key as text, with its bytes as key_base64 too when they are
    // not UTF-8.
    QJsonObject toJson() const;
    static std::optional<ItemResult> fromJson(const QJsonObject& o, QString* error);
    // One line of the worker protocol, and back.
    QByteArray toLine() const;
    static std::optional<ItemResult> fromLine(const QByteArray& line, QString* error);
    // A digest of every stored field: a stash re-checks it to find a torn or edited record.
    QByteArray checksum() const;
    QString describeFailure() const;
};

} // namespace throttlelab::jobs
