#include "report.h"

#include "job_key.h"
#include "number_format.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <cstdio>

namespace throttlelab::cli {

QJsonObject toJson(const RatePair& r) {
    return {{"interval_s", r.interval_s}, {"rate", r.rate}};
}

QJsonObject toJson(const ThrottleConfig& c) {
    return {{"max_n", double(c.max_n)},       {"per", c.per},
            {"hardcap", toString(c.hardcap)}, {"mode", toString(c.mode)},
            {"correction", c.correction},     {"rf_rate", c.rf_rate},
            {"auto_emit", c.auto_emit},       {"target_rate", c.targetRate()}};
}

QJsonObject toJson(const StatsSnapshot& s) {
    return {{"total", double(s.total)},
            {"runtime_s", toSeconds(s.runtime_ns)},
            {"latest", QJsonObject{{"interval_s", s.latest.interval_s},
                                   {"rate", s.latest.rate},
                                   {"count", double(s.latest_count)},
                                   {"window_s", toSeconds(s.per_ns)}}},
            {"mean", toJson(s.mean)},
            {"hi_lo", toJson(s.hi_lo)},
            {"lo_hi", toJson(s.lo_hi)},
            {"hi_lo_window", toJson(s.hi_lo_window)},
            {"lo_hi_window", toJson(s.lo_hi_window)},
            {"max_in_window", double(s.max_in_window)},
            {"gap_p50_s", s.gap_p50_s},
            {"gap_p90_s", s.gap_p90_s},
            {"gap_p99_s", s.gap_p99_s},
            {"overflow", double(s.overflow)},
            {"late", double(s.late)}};
}

QJsonObject toJson(const CalibrationResult& r) {
    return {{"target_rate", r.target_rate},
            {"requested_interval_s", r.requested_interval_s},
            {"uncorrected_rate", r.uncorrected_rate},
            {"uncorrected_interval_s", r.uncorrected_interval_s},
            {"reference_correction", r.reference_correction},
            {"correction", r.correction},
            {"corrected_rate", r.corrected_rate},
            {"corrected_interval_s", r.corrected_interval_s},
            {"trusted", r.trusted},
            {"doubt", r.doubt}};
}

QJsonObject toJson(const RunInfo& r) {
    return {{"running", r.running},
            {"killed", r.killed},
            {"runtime_s", toSeconds(r.runtime_ns)},
            {"owner_pid", double(r.owner_pid)},
            {"throttle_pid", double(r.throttle_pid)},
            {"monitor_pid", double(r.monitor_pid)},
            {"throttle_cpu_s", toSeconds(r.throttle_cpu_ns)},
            {"monitor_cpu_s", toSeconds(r.monitor_cpu_ns)},
            {"granted", double(r.granted)},
            {"emitted", double(r.emitted)},
            {"overflow", double(r.overflow)},
            {"abandoned", double(r.abandoned)},
            {"available", double(r.available)},
            {"waiters", double(r.waiters)},
            {"reclaimed_worker_slots", double(r.reclaimed_worker_slots)},
            {"waits_passed_over", double(r.waits_passed_over)},
            {"helper_restarts", double(r.helper_restarts)},
            {"helper_stalls", double(r.helper_stalls)},
            {"throttle_stalled", r.throttle_stalled},
            {"monitor_stalled", r.monitor_stalled},
            {"throttle_silent_s", toSeconds(r.throttle_silent_ns)},
            {"monitor_silent_s", toSeconds(r.monitor_silent_ns)}};
}

QJsonObject toJson(const BackendInfo& b) {
    return {{"url", b.url},
            {"state", b.state},
            {"state_for_s", toSeconds(b.state_for_ns)},
            {"policy", b.policy},
            {"feed", b.feed},
            {"machines", b.machines},
            {"outages", b.outages},
            {"calls", double(b.calls)},
            {"leased", double(b.leased)},
            {"returned", double(b.returned)},
            {"budget_taken_in_window", double(b.budget_taken)},
            {"budget_rate", b.budget_rate},
            {"error", b.error}};
}

QJsonObject toJson(const backend::BudgetView& v) {
    QJsonArray machines;
    for (const backend::BudgetMember& m : v.members)
        machines.append(QJsonObject{{"machine", m.machine},
                                    {"host", m.host},
                                    {"pid", double(m.pid)},
                                    {"taken_in_window", double(m.taken_in_window)},
                                    {"rate", m.rate},
                                    {"last_seen_s", m.last_seen_s},
                                    {"state", m.state},
                                    {"live", m.live}});
    return {{"max_n", double(v.max_n)},
            {"per", v.per},
            {"hardcap", v.hardcap},
            {"version", v.version},
            {"taken_in_window", double(v.takenInWindow())},
            {"rate", v.rate()},
            {"machines", machines}};
}

QJsonArray toJson(const std::vector<WorkerInfo>& workers) {
    static const char* states[] = {"free", "idle", "waiting", "working"};
    QJsonArray a;
    for (const WorkerInfo& w : workers)
        a.append(QJsonObject{{"slot", w.slot},
                             {"pid", double(w.pid)},
                             {"state", states[std::size_t(w.state) & 3]},
                             {"grants", double(w.grants)},
                             {"emits", double(w.emits)}});
    return a;
}

std::pair<QString, QString> csvBytes(const QByteArray& bytes) {
    if (jobs::isUtf8Text(bytes) && !bytes.contains('\0'))
        return {QString::fromUtf8(bytes), QStringLiteral("text")};
    return {QString::fromLatin1(bytes.toBase64()), QStringLiteral("base64")};
}

bool writeFile(const QString& path, const QByteArray& data, QString* error) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(data) != data.size()) {
        *error = QStringLiteral("cannot write '%1': %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

void printJson(const QJsonObject& o) {
    std::fputs(QJsonDocument(o).toJson(QJsonDocument::Indented).constData(), stdout);
}

QString describeRate(const RatePair& r) {
    if (r.rate <= 0) return QStringLiteral("-");
    return QStringLiteral("%1/s (every %2)").arg(formatRate(r.rate), formatGap(r.interval_s));
}

QString oneLineStatus(const StatsSnapshot& s, const RunInfo& info) {
    return QStringLiteral("%1 s  total %2  latest %3/s  mean %4/s  target %5/s  tank %6")
        .arg(toSeconds(info.runtime_ns), 6, 'f', 1)
        .arg(s.total)
        .arg(formatRate(s.latest.rate), formatRate(s.mean.rate), formatRate(s.target_rate))
        .arg(info.available);
}

} // namespace throttlelab::cli
