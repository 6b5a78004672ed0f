#include "job_inputs.h"

#include <QDir>
#include <QSettings>
#include <QStandardPaths>
#include <cmath>
#include <type_traits>

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

jobs::JobRequest defaultJobRequest() {
    jobs::JobRequest r;
    r.stash_path = defaultJobStashPath();
    return r;
}

jobs::JobRequest toJobRequest(const JobInputs& in, const QString& lab_throttle) {
    jobs::JobRequest r = in.request;
    r.limit.reset();
    r.attach_name.clear();
    switch (in.limit) {
    case JobLimit::Lab:
        r.attach_name = lab_throttle;
        r.hold_while_stopped = true; // presets restart the lab throttle: the job pauses
        break;
    case JobLimit::Own: {
        ThrottleConfig c;
        c.max_n = in.max_n;
        c.per = in.per;
        r.limit = c;
        break;
    }
    case JobLimit::None:
        break;
    }
    return r;
}

void saveJobInputs(QSettings& s, const JobInputs& in) {
    s.setValue(key("items"), in.request.items == jobs::JobRequest::Items::File
                                 ? QStringLiteral("file")
                                 : QStringLiteral("range"));
    s.setValue(key("range"), in.request.range);
    s.setValue(key("items_file"), in.request.items_file);
    s.setValue(key("task"), in.request.task == jobs::JobRequest::Task::Command
                                ? QStringLiteral("command")
                                : QStringLiteral("synthetic"));
    s.setValue(key("command"), in.request.command);
    s.setValue(key("shell"), in.request.shell);
    s.setValue(key("profile"), in.request.synthetic);
    s.setValue(key("fail_rate"), in.request.fail_rate);
    s.setValue(key("stash"), in.request.stash_path);
    s.setValue(key("workers"), in.request.workers);
    s.setValue(key("chunk_size"), in.request.chunk_size);
    s.setValue(key("limit"), in.limit == JobLimit::Lab   ? QStringLiteral("lab")
                             : in.limit == JobLimit::Own ? QStringLiteral("own")
                                                         : QStringLiteral("none"));
    s.setValue(key("max_n"), in.max_n);
    s.setValue(key("per"), in.per);
    s.setValue(key("stop_if_error"), in.request.stop_if_error);
    s.setValue(key("reprocess_failures"), in.request.reprocess_failures);
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
    auto integer = [&](const char* name, auto& out, long long lo, long long hi) {
        bool ok = false;
        const long long v = s.value(key(name)).toLongLong(&ok);
        if (ok && v >= lo && v <= hi) out = std::remove_reference_t<decltype(out)>(v);
    };
    auto number = [&](const char* name, double& out, double lo, double hi) {
        bool ok = false;
        const double v = s.value(key(name)).toDouble(&ok);
        if (ok && std::isfinite(v) && v >= lo && v <= hi) out = v;
    };
    const QString items = s.value(key("items")).toString();
    if (items == u"file") in.request.items = jobs::JobRequest::Items::File;
    text("range", in.request.range);
    text("items_file", in.request.items_file);
    const QString task = s.value(key("task")).toString();
    if (task == u"command") in.request.task = jobs::JobRequest::Task::Command;
    text("command", in.request.command);
    flag("shell", in.request.shell);
    text("profile", in.request.synthetic);
    number("fail_rate", in.request.fail_rate, 0, 1);
    text("stash", in.request.stash_path);
    if (in.request.stash_path.trimmed().isEmpty()) in.request.stash_path = defaultJobStashPath();
    text("workers", in.request.workers);
    integer("chunk_size", in.request.chunk_size, 0, 1'000'000'000);
    const QString limit = s.value(key("limit")).toString();
    if (limit == u"own") in.limit = JobLimit::Own;
    if (limit == u"none") in.limit = JobLimit::None;
    integer("max_n", in.max_n, 1, int(kMaxPermitsPerWindow));
    number("per", in.per, 0.001, kMaxPerSeconds);
    flag("stop_if_error", in.request.stop_if_error);
    flag("reprocess_failures", in.request.reprocess_failures);
    return in;
}

} // namespace throttlelab::ui
