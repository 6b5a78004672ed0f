#include "backend_url.h"

#include "one_line.h"

#include <QUrl>
#include <QUrlQuery>

namespace throttlelab {
namespace {

const QString kAccepted = QStringLiteral(
    "accepted: redis://HOST[:PORT][/DB][?key=NAME] or redis+unix:///PATH[?db=DB&key=NAME]");

bool validKey(const QString& key) {
    if (key.isEmpty() || key.size() > 64) return false;
    for (QChar ch : key) {
        const bool ok = (ch >= u'a' && ch <= u'z') || (ch >= u'A' && ch <= u'Z') ||
                        (ch >= u'0' && ch <= u'9') || ch == u'-' || ch == u'_' || ch == u'.' ||
                        ch == u':';
        if (!ok) return false;
    }
    return true;
}

std::optional<int> parseDb(const QString& text) {
    bool ok = false;
    const int db = text.toInt(&ok);
    // Redis has 16 databases unless configured otherwise; a wrong one fails on SELECT.
    if (!ok || db < 0 || db > 1'000'000) return std::nullopt;
    return db;
}

} // namespace

std::optional<BackendUrl> BackendUrl::parse(const QString& text, QString* error) {
    auto fail = [&](const QString& why) -> std::optional<BackendUrl> {
        *error = oneLine(why);
        return std::nullopt;
    };
    const QString shown = text.left(200);
    const QUrl url(text, QUrl::StrictMode);
    if (!text.isEmpty() && !url.isValid() && url.errorString().contains(QLatin1String("port")))
        return fail(
            QStringLiteral("port must be from 1 to 65535, got '%1'; %2").arg(shown, kAccepted));
    if (text.isEmpty() || !url.isValid())
        return fail(QStringLiteral("is not a URL, got '%1'; %2").arg(shown, kAccepted));
    BackendUrl r;
    const QString scheme = url.scheme();
    if (scheme == QLatin1String("redis")) {
        r.host = url.host();
        if (r.host.isEmpty())
            return fail(QStringLiteral("names no host, got '%1'; %2").arg(shown, kAccepted));
        const int port = url.port(6379);
        if (port < 1 || port > 65535)
            return fail(
                QStringLiteral("port must be from 1 to 65535, got '%1'; %2").arg(shown, kAccepted));
        r.port = port;
        QString path = url.path();
        if (path.startsWith(u'/')) path.remove(0, 1);
        if (!path.isEmpty()) {
            const auto db = parseDb(path);
            if (!db)
                return fail(QStringLiteral("database must be a number >= 0 after the '/', got "
                                           "'%1'; %2")
                                .arg(shown, kAccepted));
            r.db = *db;
        }
    } else if (scheme == QLatin1String("redis+unix")) {
        r.socket_path = url.path();
        if (!r.socket_path.startsWith(u'/') || !url.host().isEmpty())
            return fail(QStringLiteral("needs an absolute socket path, got '%1'; %2")
                            .arg(shown, kAccepted));
    } else {
        return fail(QStringLiteral("must use redis:// or redis+unix://, got '%1'; %2")
                        .arg(shown, kAccepted));
    }
    if (!url.userInfo().isEmpty())
        return fail(
            QStringLiteral("may not hold a user or password, got '%1'; %2").arg(shown, kAccepted));
    const QUrlQuery query(url);
    for (const auto& [name, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (name == QLatin1String("key")) {
            if (!validKey(value))
                return fail(QStringLiteral("key may hold only letters, digits, '-', '_', '.' "
                                           "and ':' (1 to 64), got '%1'")
                                .arg(value.left(80)));
            r.key = value;
        } else if (name == QLatin1String("db") && !r.socket_path.isEmpty()) {
            const auto db = parseDb(value);
            if (!db) return fail(QStringLiteral("db must be a number >= 0, got '%1'").arg(value));
            r.db = *db;
        } else {
            return fail(QStringLiteral("has an unknown parameter '%1' in '%2'; %3")
                            .arg(name.left(40), shown, kAccepted));
        }
    }
    return r;
}

QString BackendUrl::where() const {
    const QString at =
        socket_path.isEmpty() ? QStringLiteral("%1:%2").arg(host).arg(port) : socket_path;
    return QStringLiteral("%1 db %2").arg(at).arg(db);
}

} // namespace throttlelab
