#include "serve_framing.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QStringDecoder>

namespace throttlelab::pipeline {

namespace {

bool isUtf8(const QByteArray& bytes) {
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder.decode(bytes);
    return !decoder.hasError() && !text.contains(QChar(0));
}

// Text as itself; other bytes base64-encoded under `<name>_base64`.
void putBytes(QJsonObject& o, const QString& name, const QByteArray& bytes) {
    if (isUtf8(bytes))
        o[name] = QString::fromUtf8(bytes);
    else
        o[name + QStringLiteral("_base64")] = QString::fromLatin1(bytes.toBase64());
}

std::optional<QByteArray> getBytes(const QJsonObject& o, const QString& name, bool required,
                                   QString* error) {
    const QJsonValue text = o.value(name);
    const QJsonValue encoded = o.value(name + QStringLiteral("_base64"));
    if (text.isString()) return text.toString().toUtf8();
    if (encoded.isString()) {
        const auto decoded = QByteArray::fromBase64Encoding(
            encoded.toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded) {
            *error = QStringLiteral("\"%1_base64\" is not base64").arg(name);
            return std::nullopt;
        }
        return *decoded;
    }
    if (!required) return QByteArray();
    *error = QStringLiteral("a record needs \"%1\" (a string) or \"%1_base64\"").arg(name);
    return std::nullopt;
}

std::optional<QJsonObject> objectOf(QByteArray line, QString* error) {
    if (line.endsWith('\n')) line.chop(1);
    if (line.endsWith('\r')) line.chop(1);
    QJsonParseError parse{};
    const QJsonDocument doc = QJsonDocument::fromJson(line, &parse);
    if (parse.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = QStringLiteral("a record must be one JSON object on one line, got '%1'")
                     .arg(QString::fromUtf8(line.left(60)).replace(u'\n', QStringLiteral("\\n")));
        return std::nullopt;
    }
    return doc.object();
}

QByteArray line(const QJsonObject& o) {
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

} // namespace

QByteArray encodeRequest(const ServeRequest& r) {
    QJsonObject o;
    putBytes(o, QStringLiteral("key"), r.key);
    putBytes(o, QStringLiteral("input"), r.input);
    return line(o);
}

QByteArray encodeResponse(const ServeResponse& r) {
    QJsonObject o{{"ok", r.ok}};
    if (r.ok)
        putBytes(o, QStringLiteral("output"), r.output);
    else
        o["error"] = r.error;
    return line(o);
}

std::optional<ServeRequest> decodeRequest(const QByteArray& text, QString* error) {
    const auto o = objectOf(text, error);
    if (!o) return std::nullopt;
    const auto key = getBytes(*o, QStringLiteral("key"), true, error);
    if (!key) return std::nullopt;
    const auto input = getBytes(*o, QStringLiteral("input"), false, error);
    if (!input) return std::nullopt;
    return ServeRequest{*key, *input};
}

std::optional<ServeResponse> decodeResponse(const QByteArray& text, QString* error) {
    const auto o = objectOf(text, error);
    if (!o) return std::nullopt;
    const QJsonValue ok = o->value(QLatin1String("ok"));
    if (!ok.isBool()) {
        *error = QStringLiteral("a response needs \"ok\": true or false");
        return std::nullopt;
    }
    ServeResponse r;
    r.ok = ok.toBool();
    if (r.ok) {
        const auto output = getBytes(*o, QStringLiteral("output"), false, error);
        if (!output) return std::nullopt;
        r.output = *output;
    } else {
        r.error = o->value(QLatin1String("error")).toString();
        if (r.error.isEmpty()) r.error = QStringLiteral("the stage answered ok: false");
    }
    return r;
}

} // namespace throttlelab::pipeline
