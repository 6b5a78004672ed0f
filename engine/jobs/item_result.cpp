#include "item_result.h"

#include <QCryptographicHash>
#include <QJsonDocument>

namespace throttlelab::jobs {

QJsonObject ItemResult::toJson() const {
    QJsonObject o{{"key", isUtf8Text(key) ? QString::fromUtf8(key) : displayKey(key)},
                  {"ok", ok},
                  {"exit_code", exit_code},
                  {"signal", signal},
                  {"timed_out", timed_out},
                  {"output", QString::fromLatin1(output.toBase64())},
                  {"output_truncated", output_truncated},
                  {"error", error},
                  {"started_at", started_at},
                  {"wait_s", wait_s},
                  {"duration_s", duration_s},
                  {"worker", worker},
                  {"pid", double(pid)},
                  {"attempts", attempts}};
    if (!isUtf8Text(key)) o["key_base64"] = QString::fromLatin1(key.toBase64());
    return o;
}

std::optional<ItemResult> ItemResult::fromJson(const QJsonObject& o, QString* error) {
    if (!o.value("key").isString() || !o.value("ok").isBool()) {
        *error = QStringLiteral("a result needs a string 'key' and a boolean 'ok'");
        return std::nullopt;
    }
    ItemResult r;
    r.key = o.contains("key_base64")
                ? QByteArray::fromBase64(o.value("key_base64").toString().toLatin1())
                : o.value("key").toString().toUtf8();
    r.ok = o.value("ok").toBool();
    r.exit_code = o.value("exit_code").toInt(-1);
    r.signal = o.value("signal").toInt();
    r.timed_out = o.value("timed_out").toBool();
    r.output = QByteArray::fromBase64(o.value("output").toString().toLatin1());
    r.output_truncated = o.value("output_truncated").toBool();
    r.error = o.value("error").toString();
    r.started_at = o.value("started_at").toDouble();
    r.wait_s = o.value("wait_s").toDouble();
    r.duration_s = o.value("duration_s").toDouble();
    r.worker = o.value("worker").toInt(-1);
    r.pid = qint64(o.value("pid").toDouble());
    r.attempts = o.value("attempts").toInt(1);
    return r;
}

QByteArray ItemResult::toLine() const {
    return QJsonDocument(toJson()).toJson(QJsonDocument::Compact) + '\n';
}

std::optional<ItemResult> ItemResult::fromLine(const QByteArray& line, QString* error) {
    QJsonParseError pe{};
    const QJsonDocument doc = QJsonDocument::fromJson(line, &pe);
    if (!doc.isObject()) {
        *error = QStringLiteral("not a JSON object: %1").arg(pe.errorString());
        return std::nullopt;
    }
    return fromJson(doc.object(), error);
}

QByteArray ItemResult::checksum() const {
    QCryptographicHash h(QCryptographicHash::Sha1);
    QJsonObject o = toJson();
    o.remove("attempts"); // a stash counts attempts itself, after the record was made
    h.addData(QJsonDocument(o).toJson(QJsonDocument::Compact));
    return h.result().toHex();
}

QString ItemResult::describeFailure() const {
    if (ok) return QStringLiteral("ok");
    QString what = timed_out     ? QStringLiteral("timed out")
                   : signal != 0 ? QStringLiteral("killed by signal %1").arg(signal)
                                 : QStringLiteral("exit status %1").arg(exit_code);
    const QString tail = error.trimmed().section(u'\n', -1);
    return tail.isEmpty() ? what : what + QStringLiteral(": ") + tail;
}

} // namespace throttlelab::jobs
