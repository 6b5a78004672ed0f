#include "saved_run.h"

#include <QFile>
#include <QFileInfo>
#include <QList>
#include <cmath>

namespace throttlelab::ui {

namespace {

// Exports hold at most a few thousand rows; a file far larger is not one of them.
constexpr qint64 kMaxSavedRunBytes = 64 * 1024 * 1024;

} // namespace

std::optional<SavedRun> parseSavedRun(const QByteArray& csv, const QString& label, QString* error) {
    const QList<QByteArray> lines = csv.split('\n');
    const QByteArray header = lines.value(0).trimmed();
    if (!header.startsWith("t_s,latest_rate,mean_rate,hi_lo_rate,lo_hi_rate,target_rate")) {
        *error = QStringLiteral("%1 is not a history CSV exported by ThrottleLab (its first "
                                "line must start with t_s,latest_rate,mean_rate,...)")
                     .arg(label);
        return std::nullopt;
    }
    SavedRun run;
    run.label = label;
    double first_t = -1, last_t = -1;
    for (int i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        if (line.isEmpty()) continue;
        // The numbers come first; only the last column (markers) may be quoted text.
        const QList<QByteArray> fields = line.split(',');
        bool t_ok = false, rate_ok = false, target_ok = false;
        const double t = fields.value(0).toDouble(&t_ok);
        const double rate = fields.value(1).toDouble(&rate_ok);
        const double target = fields.value(5).toDouble(&target_ok);
        if (!t_ok || !rate_ok || !target_ok || !std::isfinite(t) || !std::isfinite(rate) ||
            rate < 0 || t < last_t) {
            *error = QStringLiteral("%1, line %2: expected the time (rising) and rates as "
                                    "numbers >= 0")
                         .arg(label)
                         .arg(i + 1);
            return std::nullopt;
        }
        if (first_t < 0) first_t = t;
        last_t = t;
        run.latest.append(QPointF(t - first_t, rate));
        run.target_rate = target;
    }
    if (run.latest.isEmpty()) {
        *error = QStringLiteral("%1 holds no rows: export a run that ran for a while").arg(label);
        return std::nullopt;
    }
    return run;
}

std::optional<SavedRun> readSavedRun(const QString& path, QString* error) {
    QFile f(path);
    const QString label = QFileInfo(path).fileName();
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read '%1': %2").arg(path, f.errorString());
        return std::nullopt;
    }
    if (f.size() > kMaxSavedRunBytes) {
        *error = QStringLiteral("%1 is larger than any history export (%2 MiB at most)")
                     .arg(label)
                     .arg(kMaxSavedRunBytes >> 20);
        return std::nullopt;
    }
    return parseSavedRun(f.readAll(), label, error);
}

} // namespace throttlelab::ui
