#include "permit_log.h"

#include <QFile>
#include <QTextStream>
#include <algorithm>

namespace throttlelab {

Nanos parseLogSeconds(const QString& seconds) {
    const QStringList parts = seconds.split(u'.');
    const QString frac = (parts.value(1) + QStringLiteral("000000000")).left(9);
    return parts[0].toLongLong() * kNanosPerSecond + frac.toLongLong();
}

std::vector<Nanos> readPermitLogGrants(const QString& path) {
    std::vector<Nanos> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return out;
    QTextStream in(&f);
    in.readLine(); // the header
    while (!in.atEnd()) {
        const QStringList cols = in.readLine().split(u',');
        if (cols.size() == 3) out.push_back(parseLogSeconds(cols[1]));
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace throttlelab
