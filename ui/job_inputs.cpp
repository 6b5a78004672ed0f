#include "job_inputs.h"

#include "worker_count.h"

#include <QDir>
#include <QSettings>
#include <QStandardPaths>
#include <cmath>

namespace throttlelab::ui {

namespace {

// Keys under one group, so the Jobs tab's settings never collide with the window's.
const QString kGroup = QStringLiteral("jobs/");

QString key(const char* name) {
    return kGroup + QLatin1String(name);
}

} // namespace

QString defaultJobStashPath() {
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("jobs/job.db"));
}

std::optional<jobs::JobSpec> toJobSpec(const JobInputs& in, int cores, QString* error) {
    using namespace throttlelab::jobs;
    JobSpec spec;
    if (in.items == JobInputs::Items::Range) {
        auto range = ItemSource::parseRange(in.range, error);
        if (!range) return std::nullopt;
        spec.items = *range;
    } else {
        if (in.items_file.trimmed().isEmpty()) {
            *error = QStringLiteral("--items: choose a file with one key per line, or a range");
            return std::nullopt;
        }
        spec.items.file = in.items_file.trimmed();
    }

    std::optional<TaskSpec> task;
    if (in.task == JobInputs::Task::Command)
        task = TaskSpec::command(in.command, in.shell, error);
    else
        task = TaskSpec::syntheticTask(in.profile.trimmed(), in.fail_rate, error);
    if (!task) return std::nullopt;
    spec.task = *task;

    auto workers = resolveWorkerCount(in.workers, cores, error);
    if (!workers) return std::nullopt;
    spec.workers = *workers;
    if (in.chunk_size < 0) {
        *error = QStringLiteral("--chunk-size must be an integer >= 0 (0: one chunk per worker), "
                                "got %1")
                     .arg(in.chunk_size);
        return std::nullopt;
    }
    spec.chunk_size = std::size_t(in.chunk_size);

    spec.stash_path = in.stash_path.trimmed();
    if (spec.stash_path.isEmpty()) {
        *error = QStringLiteral("--stash is required: a .db file (SQLite) or a folder ending in /");
        return std::nullopt;
    }
    spec.stash_format = guessStashFormat(spec.stash_path);

    if (in.limited) {
        ThrottleConfig c;
        c.max_n = in.max_n;
        c.per = in.per;
        if (const QString e = validateConfig(c); !e.isEmpty()) {
            *error = e;
            return std::nullopt;
        }
        spec.limit = c;
    }
    spec.stop_if_error = in.stop_if_error;
    spec.reprocess_failures = in.reprocess_failures;
    return spec;
}

void saveJobInputs(QSettings& s, const JobInputs& in) {
    s.setValue(key("items"), in.items == JobInputs::Items::File ? QStringLiteral("file")
                                                                : QStringLiteral("range"));
    s.setValue(key("range"), in.range);
    s.setValue(key("items_file"), in.items_file);
    s.setValue(key("task"), in.task == JobInputs::Task::Command ? QStringLiteral("command")
                                                                : QStringLiteral("synthetic"));
    s.setValue(key("command"), in.command);
    s.setValue(key("shell"), in.shell);
    s.setValue(key("profile"), in.profile);
    s.setValue(key("fail_rate"), in.fail_rate);
    s.setValue(key("stash"), in.stash_path);
    s.setValue(key("workers"), in.workers);
    s.setValue(key("chunk_size"), in.chunk_size);
    s.setValue(key("limited"), in.limited);
    s.setValue(key("max_n"), in.max_n);
    s.setValue(key("per"), in.per);
    s.setValue(key("stop_if_error"), in.stop_if_error);
    s.setValue(key("reprocess_failures"), in.reprocess_failures);
}

JobInputs loadJobInputs(const QSettings& s) {
    JobInputs in;
    auto text = [&](const char* name, QString& out) {
        const QVariant v = s.value(key(name));
        if (v.isValid()) out = v.toString();
    };
    auto flag = [&](const char* name, bool& out) {
        const QVariant v = s.value(key(name));
        if (v.isValid()) out = v.toBool();
    };
    auto integer = [&](const char* name, int& out, int lo, int hi) {
        bool ok = false;
        const int v = s.value(key(name)).toInt(&ok);
        if (ok && v >= lo && v <= hi) out = v;
    };
    auto number = [&](const char* name, double& out, double lo, double hi) {
        bool ok = false;
        const double v = s.value(key(name)).toDouble(&ok);
        if (ok && std::isfinite(v) && v >= lo && v <= hi) out = v;
    };
    const QString items = s.value(key("items")).toString();
    if (items == u"file") in.items = JobInputs::Items::File;
    text("range", in.range);
    text("items_file", in.items_file);
    const QString task = s.value(key("task")).toString();
    if (task == u"command") in.task = JobInputs::Task::Command;
    text("command", in.command);
    flag("shell", in.shell);
    text("profile", in.profile);
    number("fail_rate", in.fail_rate, 0, 1);
    text("stash", in.stash_path);
    if (in.stash_path.trimmed().isEmpty()) in.stash_path = defaultJobStashPath();
    text("workers", in.workers);
    integer("chunk_size", in.chunk_size, 0, 1'000'000'000);
    flag("limited", in.limited);
    integer("max_n", in.max_n, 1, int(kMaxPermitsPerWindow));
    number("per", in.per, 0.001, kMaxPerSeconds);
    flag("stop_if_error", in.stop_if_error);
    flag("reprocess_failures", in.reprocess_failures);
    return in;
}

} // namespace throttlelab::ui
