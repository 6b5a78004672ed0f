#include "number_format.h"

#include <QChar>
#include <cmath>

namespace throttlelab {

QString formatRate(double r) {
    if (!std::isfinite(r)) return QStringLiteral("-");
    const double a = std::fabs(r);
    if (a >= 1e7) return QString::number(r / 1e6, 'f', a >= 1e8 ? 0 : 1) + u'M';
    if (a >= 1e6) return QString::number(r / 1e6, 'f', 2) + u'M';
    if (a >= 1e4) return QString::number(r / 1e3, 'f', a >= 1e5 ? 0 : 1) + u'k';
    if (a >= 1e3) return QString::number(r, 'f', 0);
    if (a >= 100) return QString::number(r, 'f', 0);
    if (a >= 10) return QString::number(r, 'f', 1);
    return QString::number(r, 'f', 2);
}

QString formatGap(double s) {
    if (!(s > 0) || !std::isfinite(s)) return QStringLiteral("-");
    auto scaled = [](double v, const char* unit) {
        const int decimals = v >= 100 ? 0 : v >= 10 ? 1 : 2;
        return QStringLiteral("%1 %2").arg(v, 0, 'f', decimals).arg(QLatin1String(unit));
    };
    if (s < 1e-6) return scaled(s * 1e9, "ns");
    if (s < 1e-3) return scaled(s * 1e6, "us");
    if (s < 1) return scaled(s * 1e3, "ms");
    return scaled(s, "s");
}

QString formatDuration(double s) {
    if (s < 0 || !std::isfinite(s)) return QStringLiteral("?");
    if (s < 60) return QStringLiteral("%1 s").arg(s, 0, 'f', s < 10 ? 1 : 0);
    const long long whole = (long long)s;
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(whole / 60).arg(whole % 60, 2, 10, QChar(u'0'));
    return QStringLiteral("%1 h %2 min")
        .arg(whole / 3600)
        .arg(whole % 3600 / 60, 2, 10, QChar(u'0'));
}

QString formatCorrection(double c) {
    return QString::number(c, 'g', 4);
}

} // namespace throttlelab
