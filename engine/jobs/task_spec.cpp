#include "task_spec.h"

#include "one_line.h"

#include <QFileInfo>
#include <QStandardPaths>
#include <cmath>

namespace throttlelab::jobs {
namespace {

const QString kKeyMark = QStringLiteral("{}");

} // namespace

std::optional<QStringList> splitCommandLine(const QString& text, QString* error) {
    QStringList words;
    QString word;
    bool in_word = false;
    QChar quote;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (quote == u'\'') {
            if (c == u'\'')
                quote = QChar();
            else
                word += c;
        } else if (quote == u'"') {
            if (c == u'"') {
                quote = QChar();
            } else if (c == u'\\' && i + 1 < text.size() &&
                       QStringView(u"\"\\$`").contains(text[i + 1])) {
                word += text[++i];
            } else {
                word += c;
            }
        } else if (c.isSpace()) {
            if (in_word) words << word;
            word.clear();
            in_word = false;
        } else {
            in_word = true;
            if (c == u'\'' || c == u'"')
                quote = c;
            else if (c == u'\\' && i + 1 < text.size())
                word += text[++i];
            else
                word += c;
        }
    }
    if (!quote.isNull()) {
        *error = QStringLiteral("has an unterminated %1 quote")
                     .arg(quote == u'"' ? QStringLiteral("double") : QStringLiteral("single"));
        return std::nullopt;
    }
    if (in_word) words << word;
    return words;
}

std::optional<TaskSpec> TaskSpec::command(const QString& command_template, bool shell,
                                          QString* error) {
    TaskSpec t;
    t.kind = Kind::Command;
    t.command_template = command_template.trimmed();
    t.shell = shell;
    const auto split = splitCommandLine(t.command_template, error);
    if (!split) return std::nullopt;
    const QStringList& words = *split;
    if (words.isEmpty()) {
        *error = QStringLiteral("is empty; give a program and its arguments, with {} where "
                                "the key goes, e.g. curl -sO {}");
        return std::nullopt;
    }
    if (!shell && QStandardPaths::findExecutable(words.first()).isEmpty() &&
        !(words.first().contains(u'/') && QFileInfo(words.first()).isExecutable())) {
        *error = QStringLiteral("names program '%1', which is not found on PATH (shell "
                                "syntax needs the shell option)")
                     .arg(oneLine(words.first()));
        return std::nullopt;
    }
    return t;
}

QString checkFailRate(double fail_rate) {
    if (!std::isfinite(fail_rate) || fail_rate < 0 || fail_rate > 1)
        return QStringLiteral("must be a probability in [0, 1], got %1").arg(fail_rate);
    return {};
}

std::optional<TaskSpec> TaskSpec::syntheticTask(const QString& profile, double fail_rate,
                                                QString* error) {
    TaskSpec t;
    t.kind = Kind::Synthetic;
    auto p = WorkProfile::parse(profile, error);
    if (!p) {
        return std::nullopt;
    }
    if (QString e = checkFailRate(fail_rate); !e.isEmpty()) {
        *error = e;
        return std::nullopt;
    }
    t.synthetic = *p;
    t.fail_rate = fail_rate;
    return t;
}

QString TaskSpec::fingerprint() const {
    if (kind == Kind::Synthetic)
        return QStringLiteral("synthetic %1 fail-rate %2").arg(synthetic.toString()).arg(fail_rate);
    return (shell ? QStringLiteral("shell ") : QStringLiteral("command ")) + command_template;
}

QList<QByteArray> TaskSpec::argv(const QByteArray& key) const {
    if (shell) {
        // The key travels as $1, never inside the script, so it cannot inject shell syntax; a
        // script without {} reads $1 itself.
        QString script = command_template;
        script.replace(kKeyMark, QStringLiteral("\"$1\""));
        return {"/bin/sh", "-c", script.toUtf8(), "throttlelab-job", key};
    }
    QString ignored;
    QList<QByteArray> words;
    bool placed = false;
    for (const QString& word :
         splitCommandLine(command_template, &ignored).value_or(QStringList())) {
        QByteArray w = word.toUtf8();
        if (w.contains("{}")) {
            w.replace("{}", key);
            placed = true;
        }
        words << w;
    }
    if (!placed && !key_only_where_marked) words << key;
    return words;
}

QJsonObject TaskSpec::toJson() const {
    QJsonObject o{{"timeout_s", timeout_s},
                  {"max_output_bytes", double(max_output_bytes)},
                  {"stderr_tail_bytes", double(stderr_tail_bytes)}};
    if (kind == Kind::Synthetic) {
        o["kind"] = QStringLiteral("synthetic");
        o["profile"] = synthetic.toString();
        o["fail_rate"] = fail_rate;
    } else {
        o["kind"] = QStringLiteral("command");
        o["command"] = command_template;
        o["shell"] = shell;
        if (key_only_where_marked) o["key_only_where_marked"] = true;
    }
    return o;
}

std::optional<TaskSpec> TaskSpec::fromJson(const QJsonObject& o, QString* error) {
    std::optional<TaskSpec> t;
    if (o.value("kind").toString() == u"synthetic") {
        t = syntheticTask(o.value("profile").toString(), o.value("fail_rate").toDouble(), error);
    } else if (o.value("kind").toString() == u"command") {
        // Checked by the coordinator already; a worker does not look the program up again.
        t = TaskSpec{};
        t->command_template = o.value("command").toString();
        t->shell = o.value("shell").toBool();
        t->key_only_where_marked = o.value("key_only_where_marked").toBool();
    } else {
        *error = QStringLiteral("task kind must be command or synthetic");
        return std::nullopt;
    }
    if (!t) return t;
    t->timeout_s = o.value("timeout_s").toDouble();
    t->max_output_bytes = qint64(o.value("max_output_bytes").toDouble(64 * 1024));
    t->stderr_tail_bytes = qint64(o.value("stderr_tail_bytes").toDouble(4 * 1024));
    return t;
}

} // namespace throttlelab::jobs
