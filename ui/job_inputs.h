#pragma once
// What the Jobs tab's form holds, as plain data: the widgets show it, QSettings keeps it, tests
// set it. It becomes the jobs library's JobRequest, which jobs::toJobSpec() checks exactly as
// it checks `throttlectl job run`'s flags.
#include "job_request.h"

#include <QString>
#include <optional>

class QSettings;

namespace throttlelab::ui {

// AppDataLocation/jobs/job.db: a stash that survives the app, so a job can be resumed later.
QString defaultJobStashPath();

struct JobInputs {
    enum class Items { Range, File };
    enum class Task { Synthetic, Command };

    Items items = Items::Range;
    QString range = QStringLiteral("1000"); // N or A:B
    QString items_file;                     // one key per line
    Task task = Task::Synthetic;
    QString command; // {} stands for the key
    bool shell = false;
    QString profile = QStringLiteral("fixed:2ms");
    double fail_rate = 0.0;
    // A .db file, or a folder (ending in '/') for a folder stash.
    QString stash_path = defaultJobStashPath();
    QString workers = QStringLiteral("0");
    int chunk_size = 0; // 0: one chunk per worker
    bool limited = true;
    int max_n = 10;
    double per = 1.0;
    bool stop_if_error = false;
    bool reprocess_failures = false;

    bool operator==(const JobInputs&) const = default;
};

// The request these inputs make.
jobs::JobRequest toJobRequest(const JobInputs& inputs);

void saveJobInputs(QSettings& settings, const JobInputs& inputs);
// Anything missing or unreadable keeps its default: an old or hand-edited settings file must
// not stop the app from starting.
JobInputs loadJobInputs(const QSettings& settings);

} // namespace throttlelab::ui
