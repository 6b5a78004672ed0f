#include "worker_count.h"

#include "one_line.h"

#include <cmath>

namespace throttlelab::jobs {
namespace {

QString refuse(const QString& spec, const QString& why) {
    return QStringLiteral("'%1' %2; accepted: an integer >= 1, 0 for every core, -n "
                          "for cores - n, or a fraction in (0, 1] of the cores")
        .arg(oneLine(spec), why);
}

} // namespace

std::optional<int> resolveWorkerCount(const QString& spec, int cores, QString* error) {
    const QString text = spec.trimmed();
    cores = std::max(cores, 1);
    bool is_int = false;
    const long long n = text.toLongLong(&is_int);
    long long resolved = 0;
    if (is_int) {
        resolved = n > 0 ? n : n == 0 ? cores : cores + n;
        if (resolved < 1) {
            *error = refuse(spec, QStringLiteral("leaves no worker on %1 core(s)").arg(cores));
            return std::nullopt;
        }
    } else {
        bool is_number = false;
        const double f = text.toDouble(&is_number);
        if (!is_number || !std::isfinite(f)) {
            *error = refuse(spec, QStringLiteral("is not a number"));
            return std::nullopt;
        }
        // A fraction: 2.0 would be "twice the cores" in the reference, which is surely a typo.
        if (f <= 0.0 || f > 1.0) {
            *error = refuse(spec, QStringLiteral("is a fraction outside (0, 1]"));
            return std::nullopt;
        }
        resolved = std::max(1LL, (long long)std::ceil(f * cores - 1e-9));
    }
    if (resolved > kMaxJobWorkers) {
        *error = refuse(spec, QStringLiteral("is more than %1 workers").arg(kMaxJobWorkers));
        return std::nullopt;
    }
    return int(resolved);
}

} // namespace throttlelab::jobs
