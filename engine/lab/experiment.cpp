#include "experiment.h"

#include "one_line.h"

#include "work_profile.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QSet>
#include <cmath>

namespace throttlelab {

namespace {

const QString kFormat = QStringLiteral("throttlelab-experiment");
constexpr int kVersion = 1;

QString unknownKey(const QJsonObject& o, const QSet<QString>& known, const QString& where) {
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!known.contains(it.key()))
            return QStringLiteral("%1: unknown key '%2'").arg(where, it.key());
    return {};
}

bool readNumber(const QJsonObject& o, const QString& key, double* out, QString* error) {
    if (!o.contains(key)) return true;
    const QJsonValue v = o.value(key);
    if (!v.isDouble()) {
        *error = QStringLiteral("settings.%1: expected a number").arg(key);
        return false;
    }
    *out = v.toDouble();
    return true;
}

} // namespace

Experiment Experiment::tutorial() {
    Experiment e;
    e.title = QStringLiteral("Tutorial: 4 per second");
    e.explanation = QStringLiteral(
        "Four permits each second, shared by four workers. Count along: the latest rate sits on "
        "the target line; the bars show how the workers share the permits.");
    e.config.max_n = 4;
    e.config.per = 1.0;
    e.config.hardcap = Hardcap::Limit;
    e.config.mode = PacingMode::Exact;
    e.workers = 4;
    return e;
}

QByteArray Experiment::toJson() const {
    QJsonObject settings{
        {QStringLiteral("max_n"), double(config.max_n)},
        {QStringLiteral("per"), config.per},
        {QStringLiteral("hardcap"), toString(config.hardcap)},
        {QStringLiteral("mode"), toString(config.mode)},
        {QStringLiteral("correction"), config.correction},
        {QStringLiteral("rf_rate"), config.rf_rate},
        {QStringLiteral("auto_emit"), config.auto_emit},
    };
    QJsonObject o{
        {QStringLiteral("format"), kFormat},
        {QStringLiteral("version"), kVersion},
        {QStringLiteral("title"), title},
        {QStringLiteral("explanation"), explanation},
        {QStringLiteral("settings"), settings},
        {QStringLiteral("workers"), workers},
        {QStringLiteral("work_profile"), work_profile},
    };
    if (!markers.isEmpty()) {
        QJsonArray list;
        for (const TimelineMarker& m : markers)
            list.append(
                QJsonObject{{QStringLiteral("t_s"), m.t_s}, {QStringLiteral("text"), m.text}});
        o.insert(QStringLiteral("markers"), list);
    }
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

namespace {

std::optional<Experiment> parseExperiment(const QByteArray& json, QString* error) {
    QString local;
    QString& err = error ? *error : local;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError) {
        err =
            QStringLiteral("not valid JSON at offset %1: %2").arg(pe.offset).arg(pe.errorString());
        return std::nullopt;
    }
    if (!doc.isObject()) {
        err = QStringLiteral("expected a JSON object at the top level");
        return std::nullopt;
    }
    const QJsonObject o = doc.object();
    if (QString e = unknownKey(o,
                               {"format", "version", "title", "explanation", "settings", "workers",
                                "work_profile", "markers"},
                               QStringLiteral("experiment"));
        !e.isEmpty()) {
        err = e;
        return std::nullopt;
    }
    if (o.value("format").toString() != kFormat) {
        err = QStringLiteral("format: expected \"%1\"").arg(kFormat);
        return std::nullopt;
    }
    if (o.value("version").toInt(-1) != kVersion) {
        err = QStringLiteral("version: expected %1").arg(kVersion);
        return std::nullopt;
    }
    Experiment x;
    x.title = o.value("title").toString();
    x.explanation = o.value("explanation").toString();
    if (!o.value("settings").isObject()) {
        err = QStringLiteral("settings: expected an object");
        return std::nullopt;
    }
    const QJsonObject s = o.value("settings").toObject();
    if (QString e =
            unknownKey(s, {"max_n", "per", "hardcap", "mode", "correction", "rf_rate", "auto_emit"},
                       QStringLiteral("settings"));
        !e.isEmpty()) {
        err = e;
        return std::nullopt;
    }
    double max_n = 1;
    if (!s.contains("max_n")) {
        err = QStringLiteral("settings.max_n: required");
        return std::nullopt;
    }
    if (!readNumber(s, "max_n", &max_n, &err) || !readNumber(s, "per", &x.config.per, &err) ||
        !readNumber(s, "correction", &x.config.correction, &err) ||
        !readNumber(s, "rf_rate", &x.config.rf_rate, &err))
        return std::nullopt;
    if (max_n != std::floor(max_n) || std::abs(max_n) > 1e15) {
        err = QStringLiteral("settings.max_n: expected an integer, got %1").arg(max_n);
        return std::nullopt;
    }
    x.config.max_n = static_cast<long long>(max_n);
    if (s.contains("hardcap")) {
        const auto h = parseHardcap(s.value("hardcap").toString());
        if (!h) {
            err = QStringLiteral("settings.hardcap: expected limit, one, none or window");
            return std::nullopt;
        }
        x.config.hardcap = *h;
    }
    if (s.contains("mode")) {
        const auto m = parsePacingMode(s.value("mode").toString());
        if (!m) {
            err = QStringLiteral("settings.mode: expected classic or exact");
            return std::nullopt;
        }
        x.config.mode = *m;
    }
    if (s.contains("auto_emit")) {
        if (!s.value("auto_emit").isBool()) {
            err = QStringLiteral("settings.auto_emit: expected true or false");
            return std::nullopt;
        }
        x.config.auto_emit = s.value("auto_emit").toBool();
    }
    if (QString e = validateConfig(x.config); !e.isEmpty()) {
        err = QStringLiteral("settings: ") + e;
        return std::nullopt;
    }
    if (o.contains("workers")) {
        const QJsonValue w = o.value("workers");
        if (!w.isDouble() || w.toDouble() != std::floor(w.toDouble()) || w.toDouble() < 0 ||
            w.toDouble() > kMaxWorkers) {
            err = QStringLiteral("workers: expected an integer from 0 to %1").arg(kMaxWorkers);
            return std::nullopt;
        }
        x.workers = w.toInt();
    }
    if (o.contains("work_profile")) {
        if (!o.value("work_profile").isString()) {
            err = QStringLiteral("work_profile: expected a string such as \"fixed:5ms:cpu\"");
            return std::nullopt;
        }
        x.work_profile = o.value("work_profile").toString();
        QString pe2;
        if (!WorkProfile::parse(x.work_profile, &pe2)) {
            err = QStringLiteral("work_profile ") + pe2;
            return std::nullopt;
        }
    }
    if (o.contains("markers")) {
        const QString accepted =
            QStringLiteral(
                "markers: expected a list of at most %1 {\"t_s\": seconds >= 0, \"text\": \"...\"}")
                .arg(kMaxSavedMarkers);
        const QJsonValue v = o.value("markers");
        if (!v.isArray() || v.toArray().size() > kMaxSavedMarkers) {
            err = accepted;
            return std::nullopt;
        }
        for (const QJsonValue& item : v.toArray()) {
            const QJsonObject m = item.toObject();
            if (!item.isObject() || !m.value("t_s").isDouble() || !m.value("text").isString() ||
                m.size() != 2 || !(m.value("t_s").toDouble() >= 0)) {
                err = accepted;
                return std::nullopt;
            }
            x.markers.append({m.value("t_s").toDouble(), m.value("text").toString()});
        }
    }
    return x;
}

} // namespace

std::optional<Experiment> Experiment::fromJson(const QByteArray& json, QString* error) {
    auto e = parseExperiment(json, error);
    if (!e && error) *error = oneLine(*error); // keys and values are quoted as given
    return e;
}

std::optional<Experiment> Experiment::load(const QString& path, QString* error) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        if (error) *error = QStringLiteral("cannot open '%1': %2").arg(path, f.errorString());
        return std::nullopt;
    }
    QString e;
    auto x = fromJson(f.readAll(), &e);
    if (!x && error) *error = QStringLiteral("%1: %2").arg(path, e);
    return x;
}

bool Experiment::save(const QString& path, QString* error) const {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(toJson()) < 0 || !f.commit()) {
        if (error) *error = QStringLiteral("cannot write '%1': %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

} // namespace throttlelab
