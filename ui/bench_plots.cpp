#include "bench_plots.h"

#include "chart_adapter.h"

#include <QDir>
#include <QJsonArray>
#include <QMap>
#include <algorithm>
#include <cmath>

namespace throttlelab::ui {
namespace {

constexpr QSize kPlotSize(900, 520);

bool save(QWidget& w, const QString& path, QStringList& written, QString* error) {
    w.resize(kPlotSize);
    w.ensurePolished();
    if (!w.grab().save(path)) {
        *error = QStringLiteral("cannot write %1").arg(path);
        return false;
    }
    written << path;
    return true;
}

} // namespace

QStringList renderBenchPlots(const QJsonObject& report, const QString& dir, QString* error) {
    QStringList written;
    const QDir out(dir);
    if (!QDir().mkpath(dir)) {
        *error = QStringLiteral("cannot create %1").arg(dir);
        return {};
    }

    // Achieved/target against the target rate, one line per variant.
    LineChart accuracy(QStringLiteral("Achieved / target rate (4 no-op workers)"),
                       QStringLiteral("achieved / target"));
    accuracy.setXLog(true);
    accuracy.setXTitle(QStringLiteral("target permits/s (log)"));
    const QMap<QString, QColor> colors{{"exact", QColor(0x2a, 0x9d, 0x3f)},
                                       {"classic", QColor(0xd6, 0x27, 0x28)},
                                       {"classic calibrated", QColor(0xff, 0x7f, 0x0e)}};
    QMap<QString, QList<QPointF>> lines;
    double lo = 1, hi = 1, max_rate = 10;
    for (const QJsonValue& v : report["accuracy"].toArray()) {
        const QJsonObject p = v.toObject();
        if (!p["error"].toString().isEmpty()) continue;
        const double ratio = p["ratio"].toDouble();
        lines[p["variant"].toString()] << QPointF(p["target_rate"].toDouble(), ratio);
        lo = std::min(lo, ratio);
        hi = std::max(hi, ratio);
        max_rate = std::max(max_rate, p["target_rate"].toDouble());
    }
    const int ideal = accuracy.addLine(QStringLiteral("ideal"), Qt::gray, 1.0, Qt::DashLine);
    accuracy.setPoints(ideal, {QPointF(0.5, 1.0), QPointF(max_rate * 2, 1.0)});
    for (auto it = colors.begin(); it != colors.end(); ++it) {
        const int line = accuracy.addLine(it.key(), it.value(), 2.0, Qt::SolidLine, true);
        accuracy.setPoints(line, lines.value(it.key()));
    }
    accuracy.setXRange(0.5, max_rate * 2);
    accuracy.setYRange(std::max(0.0, std::floor(lo * 10) / 10),
                       std::min(2.0, std::ceil(hi * 10) / 10 + 0.05));
    if (!save(accuracy, out.filePath("accuracy.png"), written, error)) return {};

    // exact mode across the range, one line per number of worker processes.
    if (!report["sweep"].toArray().isEmpty()) {
        // As a deviation in percent: at the scale of the ratio every line is flat on 1.
        LineChart sweep(QStringLiteral("exact mode: achieved vs target at 3 rates a decade"),
                        QStringLiteral("off target, % (band: +-0.5%)"));
        sweep.setXLog(true);
        sweep.setXTitle(QStringLiteral("target permits/s (log)"));
        QMap<int, QList<QPointF>> by_workers;
        double s_max = 10, s_off = 0.5;
        for (const QJsonValue& v : report["sweep"].toArray()) {
            const QJsonObject p = v.toObject();
            if (!p["error"].toString().isEmpty()) continue;
            const double off = (p["ratio"].toDouble() - 1.0) * 100.0;
            by_workers[p["workers"].toInt()] << QPointF(p["target_rate"].toDouble(), off);
            s_off = std::max(s_off, std::abs(off));
            s_max = std::max(s_max, p["target_rate"].toDouble());
        }
        for (double edge : {-0.5, 0.5}) {
            const int band = sweep.addLine(QStringLiteral("+-0.5%"), Qt::gray, 1.0, Qt::DashLine);
            sweep.setPoints(band, {QPointF(0.5, edge), QPointF(s_max * 2, edge)});
        }
        const QList<QColor> palette{QColor(0x1f, 0x77, 0xb4), QColor(0x2a, 0x9d, 0x3f),
                                    QColor(0xff, 0x7f, 0x0e), QColor(0xd6, 0x27, 0x28)};
        int k = 0;
        for (auto it = by_workers.begin(); it != by_workers.end(); ++it, ++k) {
            const int line = sweep.addLine(QStringLiteral("%1 worker(s)").arg(it.key()),
                                           palette[k % palette.size()], 2.0, Qt::SolidLine, true);
            sweep.setPoints(line, it.value());
        }
        sweep.setXRange(0.5, s_max * 2);
        const double y = s_off * 1.2 <= 1.0 ? 1.0 : std::ceil(s_off * 1.2);
        sweep.setYRange(-y, y);
        if (!save(sweep, out.filePath("sweep.png"), written, error)) return {};
    }

    // Wake-up latency as a distribution: the share of wake-ups at or below each latency.
    LineChart latency(QStringLiteral("Wake-up latency of a blocked waiter (taken - available)"),
                      QStringLiteral("share of wake-ups"));
    latency.setXLog(true);
    latency.setXTitle(QStringLiteral("microseconds (log)"));
    double max_us = 10;
    for (const QJsonValue& v : report["latency"].toArray()) {
        const QJsonObject l = v.toObject();
        QList<double> samples;
        for (const QJsonValue& s : l["samples_us"].toArray())
            samples << std::max(0.1, s.toDouble());
        std::sort(samples.begin(), samples.end());
        QList<QPointF> cdf;
        for (qsizetype i = 0; i < samples.size(); ++i)
            cdf << QPointF(samples[i], double(i + 1) / double(samples.size()));
        if (!samples.isEmpty()) max_us = std::max(max_us, samples.last());
        const bool exact = l["mode"].toString() == u"exact";
        const int line = latency.addLine(QStringLiteral("%1 (p50 %2 us)")
                                             .arg(l["mode"].toString())
                                             .arg(l["p50_us"].toDouble(), 0, 'f', 0),
                                         exact ? colors["exact"] : colors["classic"]);
        latency.setPoints(line, cdf);
    }
    latency.setXRange(1, max_us * 1.5);
    latency.setYRange(0, 1);
    if (!save(latency, out.filePath("latency.png"), written, error)) return {};

    // CPU of the helper processes by load.
    BarChart cpu(QStringLiteral("CPU of the throttle + monitor processes (exact mode)"),
                 QStringLiteral("% of one core"), QColor(0x1f, 0x77, 0xb4));
    QStringList loads;
    QList<double> values;
    for (const QJsonValue& v : report["cpu"].toArray()) {
        loads << v.toObject()["load"].toString();
        values << v.toObject()["total_cores"].toDouble() * 100;
    }
    cpu.setXTitle(QStringLiteral("load"));
    cpu.setBars(loads, values);
    if (!save(cpu, out.filePath("cpu.png"), written, error)) return {};
    return written;
}

} // namespace throttlelab::ui
