#include "job_text.h"
#include "number_format.h"

#include <QStringList>

namespace throttlelab::jobs {

namespace {

QString tr(const char* text) {
    return QString::fromLatin1(text);
}

} // namespace

QString jobProgressText(const JobProgress& p) {
    const long long finished = p.done + p.failed;
    const double percent = p.to_do > 0 ? 100.0 * double(finished) / double(p.to_do) : 100.0;
    QStringList parts;
    parts << tr("%1 of %2 done (%3%)").arg(finished).arg(p.to_do).arg(percent, 0, 'f', 1);
    parts << (p.limit_rate > 0
                  ? tr("%1/s of %2/s limit").arg(formatRate(p.rate), formatRate(p.limit_rate))
                  : tr("%1/s, no limit").arg(formatRate(p.rate)));
    parts << tr("ETA %1").arg(formatDuration(p.eta_s));
    parts << tr("%1 failed").arg(p.failed);
    // A resumed run's share is smaller than the items: say why, or "300 of 300" looks wrong.
    if (p.already_stored > 0) parts << tr("%1 stored before").arg(p.already_stored);
    return parts.join(QStringLiteral(" | "));
}

QString jobSummaryText(const JobSummary& s) {
    const JobProgress& p = s.progress;
    QString how = !s.error.isEmpty()   ? tr("failed")
                  : s.cancelled        ? tr("cancelled")
                  : s.stopped_on_error ? tr("stopped at the first failure")
                                       : tr("finished");
    if (p.to_do == 0 && s.error.isEmpty())
        return tr("nothing to do: all %1 key(s) are stored already").arg(p.total);
    QString text = tr("%1: %2 done, %3 failed in %4 (%5/s); %6 of %7 key(s) missing")
                       .arg(how)
                       .arg(p.done)
                       .arg(p.failed)
                       .arg(formatDuration(s.seconds))
                       .arg(formatRate(s.rate()))
                       .arg(s.missing)
                       .arg(p.total);
    if (s.missing > 0) text += tr("; start again to resume");
    if (s.lost > 0) text += tr("; %1 lost with a worker that died").arg(s.lost);
    return text;
}

} // namespace throttlelab::jobs
