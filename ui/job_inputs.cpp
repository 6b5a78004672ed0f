#include "job_inputs.h"

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

jobs::JobRequest toJobRequest(const JobInputs& in) {
    jobs::JobRequest r;
    r.items = in.items == JobInputs::Items::File ? jobs::JobRequest::Items::File
                                                 : jobs::JobRequest::Items::Range;
    r.range = in.range;
    r.items_file = in.items_file;
    r.task = in.task == JobInputs::Task::Command ? jobs::JobRequest::Task::Command
                                                 : jobs::JobRequest::Task::Synthetic;
    r.command = in.command;
    r.shell = in.shell;
    r.synthetic = in.profile;
    r.fail_rate = in.fail_rate;
    r.workers = in.workers;
    r.chunk_size = in.chunk_size;
    r.stash_path = in.stash_path;
    if (in.limited) {
        ThrottleConfig c;
        c.max_n = in.max_n;
        c.per = in.per;
        r.limit = c;
    }
    r.stop_if_error = in.stop_if_error;
    r.reprocess_failures = in.reprocess_failures;
    return r;
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
