#include "work_profile.h"

#include "one_line.h"

#include <QRegularExpression>
#include <cmath>
#include <thread>

namespace throttlelab {

std::optional<Nanos> parseDuration(const QString& text) {
    static const QRegularExpression re(QStringLiteral("^([0-9]+(?:\\.[0-9]+)?)(ns|us|ms|s)$"));
    const auto m = re.match(text.trimmed());
    if (!m.hasMatch()) return std::nullopt;
    const double v = m.captured(1).toDouble();
    const QString unit = m.captured(2);
    const double scale = unit == u"ns" ? 1.0 : unit == u"us" ? 1e3 : unit == u"ms" ? 1e6 : 1e9;
    const double ns = v * scale;
    if (!std::isfinite(ns) || ns > 3600e9) return std::nullopt;
    return Nanos(std::llround(ns));
}

QString profileDuration(Nanos ns) {
    if (ns % kNanosPerSecond == 0) return QStringLiteral("%1s").arg(ns / kNanosPerSecond);
    if (ns % kNanosPerMilli == 0) return QStringLiteral("%1ms").arg(ns / kNanosPerMilli);
    if (ns % kNanosPerMicro == 0) return QStringLiteral("%1us").arg(ns / kNanosPerMicro);
    return QStringLiteral("%1ns").arg(ns);
}

std::optional<WorkProfile> WorkProfile::parse(const QString& input, QString* error) {
    const QString accepted = QStringLiteral("accepted: none, fixed:5ms, uniform:1ms-10ms, exp:5ms, "
                                            "each optionally followed by :cpu or :sleep");
    QStringList parts = input.trimmed().split(u':');
    WorkProfile p;
    if (parts.size() >= 2 && (parts.last() == u"cpu" || parts.last() == u"sleep")) {
        p.cpu = parts.takeLast() == u"cpu";
    }
    auto fail = [&]() -> std::optional<WorkProfile> {
        *error = oneLine(QStringLiteral("'%1' is not a work profile; %2").arg(input, accepted));
        return std::nullopt;
    };
    if (parts.size() == 1 && parts[0] == u"none") return p;
    if (parts.size() != 2) return fail();
    const QString kind = parts[0];
    if (kind == u"fixed" || kind == u"exp") {
        auto d = parseDuration(parts[1]);
        if (!d) return fail();
        p.distribution = kind == u"fixed" ? Distribution::Fixed : Distribution::Exponential;
        p.a_ns = *d;
        return p;
    }
    if (kind == u"uniform") {
        const QStringList range = parts[1].split(u'-');
        if (range.size() != 2) return fail();
        auto lo = parseDuration(range[0]);
        auto hi = parseDuration(range[1]);
        if (!lo || !hi || *lo > *hi) return fail();
        p.distribution = Distribution::Uniform;
        p.a_ns = *lo;
        p.b_ns = *hi;
        return p;
    }
    return fail();
}

QString WorkProfile::toString() const {
    QString s;
    switch (distribution) {
    case Distribution::None:
        return QStringLiteral("none");
    case Distribution::Fixed:
        s = QStringLiteral("fixed:") + profileDuration(a_ns);
        break;
    case Distribution::Exponential:
        s = QStringLiteral("exp:") + profileDuration(a_ns);
        break;
    case Distribution::Uniform:
        s = QStringLiteral("uniform:%1-%2").arg(profileDuration(a_ns), profileDuration(b_ns));
        break;
    }
    return cpu ? s + QStringLiteral(":cpu") : s;
}

Nanos WorkProfile::sample(std::mt19937_64& rng) const {
    switch (distribution) {
    case Distribution::None:
        return 0;
    case Distribution::Fixed:
        return a_ns;
    case Distribution::Uniform:
        return std::uniform_int_distribution<Nanos>(a_ns, b_ns)(rng);
    case Distribution::Exponential:
        return a_ns <= 0 ? 0
                         : Nanos(std::exponential_distribution<double>(1.0 / double(a_ns))(rng));
    }
    return 0;
}

double WorkProfile::meanSeconds() const {
    switch (distribution) {
    case Distribution::None:
        return 0;
    case Distribution::Fixed:
    case Distribution::Exponential:
        return toSeconds(a_ns);
    case Distribution::Uniform:
        return toSeconds((a_ns + b_ns) / 2);
    }
    return 0;
}

void performWork(Nanos ns, bool cpu) {
    if (ns <= 0) return;
    if (!cpu) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(ns));
        return;
    }
    const Nanos until = monotonicNow() + ns;
    volatile std::uint64_t sink = 0;
    while (monotonicNow() < until)
        for (int i = 0; i < 64; ++i)
            sink = sink + std::uint64_t(i);
}

} // namespace throttlelab
