#include "pipeline_spec.h"

#include "one_line.h"
#include "worker_count.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <cmath>

namespace throttlelab::pipeline {

namespace {

// A pipeline file is a few kilobytes; anything far larger is not one.
constexpr qint64 kMaxPipelineFileBytes = 1024 * 1024;

const QStringList kTopFields{QStringLiteral("items"), QStringLiteral("stages"),
                             QStringLiteral("description")};
const QStringList kStageFields{
    QStringLiteral("name"),       QStringLiteral("command"),   QStringLiteral("shell"),
    QStringLiteral("synthetic"),  QStringLiteral("fail_rate"), QStringLiteral("workers"),
    QStringLiteral("queue"),      QStringLiteral("limit"),     QStringLiteral("timeout"),
    QStringLiteral("max_output"), QStringLiteral("serve")};
const QStringList kLimitFields{QStringLiteral("attach"),  QStringLiteral("max_n"),
                               QStringLiteral("per"),     QStringLiteral("hardcap"),
                               QStringLiteral("mode"),    QStringLiteral("correction"),
                               QStringLiteral("rf_rate"), QStringLiteral("log")};

QString typeName(const QJsonValue& v) {
    switch (v.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

// Checks as it goes; the first problem found is kept and ends the parse.
class Reader {
public:
    PipelineError error;

    bool fail(const QString& field, const QString& problem) {
        // A field path holds the user's own key names, which may hold any character.
        if (!error) error = {oneLine(field.left(200)), oneLine(problem)};
        return false;
    }
    bool onlyKnownFields(const QJsonObject& o, const QStringList& known, const QString& where) {
        for (auto it = o.begin(); it != o.end(); ++it)
            if (!known.contains(it.key()))
                return fail(where.isEmpty() ? it.key() : where + u'.' + it.key(),
                            QStringLiteral("is not a field of %1; accepted: %2")
                                .arg(where.isEmpty() ? QStringLiteral("a pipeline") : where,
                                     known.join(QStringLiteral(", "))));
        return true;
    }
    std::optional<QString> string(const QJsonObject& o, const QString& key, const QString& field) {
        const QJsonValue v = o.value(key);
        if (!v.isString()) {
            fail(field, QStringLiteral("must be a string, got %1").arg(typeName(v)));
            return std::nullopt;
        }
        return v.toString();
    }
    std::optional<bool> boolean(const QJsonObject& o, const QString& key, const QString& field,
                                bool fallback) {
        const QJsonValue v = o.value(key);
        if (v.isUndefined()) return fallback;
        if (!v.isBool()) {
            fail(field, QStringLiteral("must be true or false, got %1").arg(typeName(v)));
            return std::nullopt;
        }
        return v.toBool();
    }
    // A whole number in [lo, hi].
    std::optional<long long> integer(const QJsonValue& v, const QString& field, long long lo,
                                     long long hi) {
        const double d = v.toDouble(std::nan(""));
        if (!v.isDouble() || !std::isfinite(d) || d != std::floor(d) || d < double(lo) ||
            d > double(hi)) {
            fail(field, QStringLiteral("must be an integer from %1 to %2, got %3")
                            .arg(lo)
                            .arg(hi)
                            .arg(v.isDouble() ? QString::number(d, 'g', 12) : typeName(v)));
            return std::nullopt;
        }
        return (long long)d;
    }
    std::optional<double> number(const QJsonValue& v, const QString& field, double lo, double hi) {
        const double d = v.toDouble(std::nan(""));
        if (!v.isDouble() || !std::isfinite(d) || d < lo || d > hi) {
            fail(field, QStringLiteral("must be a number from %1 to %2, got %3")
                            .arg(lo)
                            .arg(hi)
                            .arg(v.isDouble() ? QString::number(d, 'g', 12) : typeName(v)));
            return std::nullopt;
        }
        return d;
    }

    std::optional<jobs::ItemSource> items(const QJsonValue& v, const QString& base_dir) {
        if (!v.isObject()) {
            fail(QStringLiteral("items"),
                 QStringLiteral(
                     "must be an object: {\"file\": PATH} or {\"range\": \"A:B\"}, got %1")
                     .arg(typeName(v)));
            return std::nullopt;
        }
        const QJsonObject o = v.toObject();
        if (!onlyKnownFields(o, {QStringLiteral("file"), QStringLiteral("range")},
                             QStringLiteral("items")))
            return std::nullopt;
        if (o.contains(QLatin1String("file")) == o.contains(QLatin1String("range"))) {
            fail(QStringLiteral("items"),
                 QStringLiteral("must hold either \"file\" or \"range\", not both or neither"));
            return std::nullopt;
        }
        if (o.contains(QLatin1String("range"))) {
            const QJsonValue r = o.value(QLatin1String("range"));
            QString text;
            if (r.isDouble()) {
                const auto n = integer(r, QStringLiteral("items.range"), 0, jobs::kMaxItems);
                if (!n) return std::nullopt;
                text = QString::number(*n);
            } else if (r.isString()) {
                text = r.toString();
            } else {
                fail(QStringLiteral("items.range"),
                     QStringLiteral("must be \"N\" or \"A:B\", got %1").arg(typeName(r)));
                return std::nullopt;
            }
            QString problem;
            auto range = jobs::ItemSource::parseRange(text, &problem);
            if (!range) fail(QStringLiteral("items.range"), problem);
            return range;
        }
        const auto file = string(o, QStringLiteral("file"), QStringLiteral("items.file"));
        if (!file) return std::nullopt;
        if (file->trimmed().isEmpty()) {
            fail(QStringLiteral("items.file"),
                 QStringLiteral("must name a file of keys, one per line"));
            return std::nullopt;
        }
        jobs::ItemSource s;
        s.file = QDir(base_dir).filePath(file->trimmed()); // relative to the pipeline file
        return s;
    }

    std::optional<StageLimit> limit(const QJsonValue& v, const QString& field,
                                    const QString& base_dir) {
        if (!v.isObject()) {
            fail(field, QStringLiteral("must be an object: {\"max_n\": N, \"per\": S, ...} or "
                                       "{\"attach\": NAME}, got %1")
                            .arg(typeName(v)));
            return std::nullopt;
        }
        const QJsonObject o = v.toObject();
        if (!onlyKnownFields(o, kLimitFields, field)) return std::nullopt;
        StageLimit l;
        if (o.contains(QLatin1String("attach"))) {
            if (o.size() != 1) {
                fail(field, QStringLiteral("shares a running throttle with \"attach\", or has its "
                                           "own max_n/per/...; not both"));
                return std::nullopt;
            }
            const auto name =
                string(o, QStringLiteral("attach"), field + QStringLiteral(".attach"));
            if (!name) return std::nullopt;
            if (ConfigError e = checkName(*name)) {
                fail(field + QStringLiteral(".attach"), e.problem);
                return std::nullopt;
            }
            l.attach = *name;
            return l;
        }
        if (o.contains(QLatin1String("log"))) {
            const auto log = string(o, QStringLiteral("log"), field + QStringLiteral(".log"));
            if (!log) return std::nullopt;
            if (log->trimmed().isEmpty()) {
                fail(field + QStringLiteral(".log"), QStringLiteral("must name a file"));
                return std::nullopt;
            }
            l.log_path = QDir(base_dir).filePath(log->trimmed()); // beside the pipeline file
        }
        if (!o.contains(QLatin1String("max_n"))) {
            fail(field + QStringLiteral(".max_n"), QStringLiteral("is required for a limit of the "
                                                                  "stage's own"));
            return std::nullopt;
        }
        ThrottleConfig c;
        const auto max_n = integer(o.value(QLatin1String("max_n")),
                                   field + QStringLiteral(".max_n"), 1, kMaxPermitsPerWindow);
        if (!max_n) return std::nullopt;
        c.max_n = *max_n;
        if (o.contains(QLatin1String("per"))) {
            const auto per = number(o.value(QLatin1String("per")), field + QStringLiteral(".per"),
                                    0, kMaxPerSeconds);
            if (!per) return std::nullopt;
            c.per = *per;
        }
        if (o.contains(QLatin1String("hardcap"))) {
            const auto text =
                string(o, QStringLiteral("hardcap"), field + QStringLiteral(".hardcap"));
            if (!text) return std::nullopt;
            const auto h = parseHardcap(*text);
            if (!h) {
                fail(field + QStringLiteral(".hardcap"),
                     QStringLiteral("must be limit, one, none or window, got '%1'").arg(*text));
                return std::nullopt;
            }
            c.hardcap = *h;
        }
        if (o.contains(QLatin1String("mode"))) {
            const auto text = string(o, QStringLiteral("mode"), field + QStringLiteral(".mode"));
            if (!text) return std::nullopt;
            const auto m = parsePacingMode(*text);
            if (!m) {
                fail(field + QStringLiteral(".mode"),
                     QStringLiteral("must be exact or classic, got '%1'").arg(*text));
                return std::nullopt;
            }
            c.mode = *m;
        }
        for (const QString& key : {QStringLiteral("correction"), QStringLiteral("rf_rate")}) {
            if (!o.contains(key)) continue;
            const auto d = number(o.value(key), field + u'.' + key, 0, 1e6);
            if (!d) return std::nullopt;
            (key == QLatin1String("correction") ? c.correction : c.rf_rate) = *d;
        }
        if (ConfigError e = checkConfig(c)) {
            fail(field + u'.' + engineName(e.input), e.problem);
            return std::nullopt;
        }
        l.own = c;
        return l;
    }

    std::optional<StageSpec> stage(const QJsonValue& v, int index, int cores,
                                   const QString& base_dir) {
        const QString at = QStringLiteral("stages[%1]").arg(index);
        if (!v.isObject()) {
            fail(at, QStringLiteral("must be an object with a name and a command, got %1")
                         .arg(typeName(v)));
            return std::nullopt;
        }
        const QJsonObject o = v.toObject();
        if (!onlyKnownFields(o, kStageFields, at)) return std::nullopt;
        StageSpec s;
        const auto name = string(o, QStringLiteral("name"), at + QStringLiteral(".name"));
        if (!name) return std::nullopt;
        s.name = *name;
        bool name_ok = !s.name.isEmpty() && s.name.size() <= kMaxStageNameChars;
        for (QChar ch : s.name)
            name_ok = name_ok && (ch.isLetterOrNumber() || ch == u'-' || ch == u'_') &&
                      ch.unicode() < 128;
        if (!name_ok) {
            fail(at + QStringLiteral(".name"),
                 QStringLiteral("must be 1 to %1 letters, digits, '-' or '_', got '%2'")
                     .arg(kMaxStageNameChars)
                     .arg(s.name.left(80)));
            return std::nullopt;
        }
        const bool has_command = o.contains(QLatin1String("command"));
        if (has_command == o.contains(QLatin1String("synthetic"))) {
            fail(at, QStringLiteral("needs either \"command\" (a command template, {} for the "
                                    "key) or \"synthetic\" (a work profile), not both or neither"));
            return std::nullopt;
        }
        const auto shell =
            boolean(o, QStringLiteral("shell"), at + QStringLiteral(".shell"), false);
        const auto serve =
            boolean(o, QStringLiteral("serve"), at + QStringLiteral(".serve"), false);
        if (!shell || !serve) return std::nullopt;
        s.serve = *serve;
        QString problem;
        std::optional<jobs::TaskSpec> task;
        if (has_command) {
            const auto text = string(o, QStringLiteral("command"), at + QStringLiteral(".command"));
            if (!text) return std::nullopt;
            task = jobs::TaskSpec::command(*text, *shell, &problem);
            if (!task) return fail(at + QStringLiteral(".command"), problem), std::nullopt;
            task->key_only_where_marked = true; // the input is on stdin
            if (s.serve && text->contains(QLatin1String("{}"))) {
                fail(at + QStringLiteral(".command"),
                     QStringLiteral("of a serve stage runs once for all keys, so it takes no {}: "
                                    "each record carries its key"));
                return std::nullopt;
            }
        } else {
            if (s.serve) {
                fail(at + QStringLiteral(".serve"),
                     QStringLiteral("needs a command: a synthetic stage has no process to keep"));
                return std::nullopt;
            }
            const auto profile =
                string(o, QStringLiteral("synthetic"), at + QStringLiteral(".synthetic"));
            if (!profile) return std::nullopt;
            double fail_rate = 0;
            if (o.contains(QLatin1String("fail_rate"))) {
                const auto f = number(o.value(QLatin1String("fail_rate")),
                                      at + QStringLiteral(".fail_rate"), 0, 1);
                if (!f) return std::nullopt;
                fail_rate = *f;
            }
            task = jobs::TaskSpec::syntheticTask(profile->trimmed(), fail_rate, &problem);
            if (!task) return fail(at + QStringLiteral(".synthetic"), problem), std::nullopt;
        }
        if (has_command && o.contains(QLatin1String("fail_rate"))) {
            fail(at + QStringLiteral(".fail_rate"),
                 QStringLiteral("applies to a synthetic stage only"));
            return std::nullopt;
        }
        if (o.contains(QLatin1String("timeout"))) {
            const auto t = number(o.value(QLatin1String("timeout")),
                                  at + QStringLiteral(".timeout"), 0, 86400);
            if (!t) return std::nullopt;
            task->timeout_s = *t;
        }
        if (o.contains(QLatin1String("max_output"))) {
            const auto m = integer(o.value(QLatin1String("max_output")),
                                   at + QStringLiteral(".max_output"), 0, 64LL * 1024 * 1024);
            if (!m) return std::nullopt;
            task->max_output_bytes = *m;
        }
        s.task = *task;

        if (o.contains(QLatin1String("workers"))) {
            const QJsonValue w = o.value(QLatin1String("workers"));
            if (w.isDouble())
                s.workers_text = QString::number(w.toDouble(), 'g', 12);
            else if (w.isString())
                s.workers_text = w.toString();
            else
                return fail(at + QStringLiteral(".workers"),
                            QStringLiteral("must be a number or a string (N, 0, -N, a fraction), "
                                           "got %1")
                                .arg(typeName(w))),
                       std::nullopt;
        }
        const auto workers = jobs::resolveWorkerCount(s.workers_text, cores, &problem);
        if (!workers) return fail(at + QStringLiteral(".workers"), problem), std::nullopt;
        s.workers = *workers;
        s.queue = std::max(4 * s.workers, 8);
        if (o.contains(QLatin1String("queue"))) {
            const auto q = integer(o.value(QLatin1String("queue")), at + QStringLiteral(".queue"),
                                   1, kMaxQueue);
            if (!q) return std::nullopt;
            s.queue = int(*q);
        }
        if (o.contains(QLatin1String("limit"))) {
            auto l =
                limit(o.value(QLatin1String("limit")), at + QStringLiteral(".limit"), base_dir);
            if (!l) return std::nullopt;
            s.limit = *l;
        }
        return s;
    }
};

} // namespace

QString PipelineError::message() const {
    if (field.isEmpty()) return problem;
    return field + u' ' + problem;
}

QByteArray PipelineSpec::fingerprint() const {
    QJsonArray out;
    for (const StageSpec& s : stages)
        out.append(
            QJsonObject{{"name", s.name}, {"task", s.task.fingerprint()}, {"serve", s.serve}});
    return QJsonDocument(out).toJson(QJsonDocument::Compact);
}

std::optional<PipelineSpec> parsePipeline(const QByteArray& json, int cores,
                                          const QString& base_dir, PipelineError* error) {
    QJsonParseError parse{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parse);
    Reader r;
    auto refuse = [&] {
        *error = r.error;
        return std::nullopt;
    };
    if (parse.error != QJsonParseError::NoError) {
        r.fail({}, QStringLiteral("is not valid JSON: %1 at offset %2")
                       .arg(parse.errorString())
                       .arg(parse.offset));
        return refuse();
    }
    if (!doc.isObject()) {
        r.fail({}, QStringLiteral("must be a JSON object with \"items\" and \"stages\""));
        return refuse();
    }
    const QJsonObject top = doc.object();
    if (!r.onlyKnownFields(top, kTopFields, {})) return refuse();
    if (top.contains(QLatin1String("description")) &&
        !top.value(QLatin1String("description")).isString()) {
        r.fail(QStringLiteral("description"), QStringLiteral("must be a string"));
        return refuse();
    }
    PipelineSpec spec;
    if (!top.contains(QLatin1String("items"))) {
        r.fail(QStringLiteral("items"),
               QStringLiteral("is required: {\"file\": PATH} or {\"range\": \"A:B\"}"));
        return refuse();
    }
    auto items = r.items(top.value(QLatin1String("items")), base_dir);
    if (!items) return refuse();
    spec.items = *items;
    const QJsonValue stages = top.value(QLatin1String("stages"));
    if (!stages.isArray() || stages.toArray().isEmpty()) {
        r.fail(QStringLiteral("stages"),
               QStringLiteral("must be a non-empty array of stages, got %1")
                   .arg(stages.isArray() ? QStringLiteral("an empty array") : typeName(stages)));
        return refuse();
    }
    const QJsonArray list = stages.toArray();
    if (list.size() > kMaxStages) {
        r.fail(
            QStringLiteral("stages"),
            QStringLiteral("may hold at most %1 stages, got %2").arg(kMaxStages).arg(list.size()));
        return refuse();
    }
    QSet<QString> names;
    for (int i = 0; i < list.size(); ++i) {
        auto s = r.stage(list[i], i, cores, base_dir);
        if (!s) return refuse();
        if (names.contains(s->name)) {
            r.fail(QStringLiteral("stages[%1].name").arg(i),
                   QStringLiteral("'%1' is the name of an earlier stage: names must differ")
                       .arg(s->name));
            return refuse();
        }
        names.insert(s->name);
        spec.stages.push_back(*s);
    }
    return spec;
}

std::optional<PipelineSpec> readPipelineFile(const QString& path, int cores, PipelineError* error) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = {QStringLiteral("pipeline file"),
                  QStringLiteral("'%1' cannot be read: %2").arg(path, f.errorString())};
        return std::nullopt;
    }
    if (f.size() > kMaxPipelineFileBytes) {
        *error = {QStringLiteral("pipeline file"),
                  QStringLiteral("'%1' is larger than 1 MiB; a pipeline file is a few lines of "
                                 "JSON")
                      .arg(path)};
        return std::nullopt;
    }
    auto spec = parsePipeline(f.readAll(), cores, QFileInfo(path).absolutePath(), error);
    if (!spec && error->field.isEmpty()) error->field = QFileInfo(path).fileName();
    return spec;
}

QString describeChange(const QByteArray& before_fingerprint, const QByteArray& after_fingerprint) {
    if (before_fingerprint == after_fingerprint) return {};
    const QJsonArray before = QJsonDocument::fromJson(before_fingerprint).array();
    const QJsonArray after = QJsonDocument::fromJson(after_fingerprint).array();
    const qsizetype common = std::min(before.size(), after.size());
    for (qsizetype i = 0; i < common; ++i) {
        const QJsonObject b = before[i].toObject(), a = after[i].toObject();
        const QString b_name = b.value(QLatin1String("name")).toString();
        const QString a_name = a.value(QLatin1String("name")).toString();
        if (b_name != a_name)
            return QStringLiteral("stage %1 was '%2' and is now '%3'")
                .arg(i + 1)
                .arg(b_name, a_name);
        if (b.value(QLatin1String("task")) != a.value(QLatin1String("task")))
            return QStringLiteral("stage %1 '%2': its task changed (was %3, now %4)")
                .arg(i + 1)
                .arg(a_name, b.value(QLatin1String("task")).toString(),
                     a.value(QLatin1String("task")).toString());
        if (b.value(QLatin1String("serve")) != a.value(QLatin1String("serve")))
            return QStringLiteral("stage %1 '%2': serve changed").arg(i + 1).arg(a_name);
    }
    if (before.size() != after.size())
        return QStringLiteral("the pipeline had %1 stages and has %2 now")
            .arg(before.size())
            .arg(after.size());
    return QStringLiteral("the stages changed");
}

} // namespace throttlelab::pipeline
