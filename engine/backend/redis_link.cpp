#include "redis_link.h"

#include <QCryptographicHash>
#include <hiredis/hiredis.h>
#include <sys/time.h>
#include <vector>

namespace throttlelab::backend {

void RedisReply::Free::operator()(redisReply* r) const {
    if (r) freeReplyObject(r);
}

RedisReply::RedisReply(redisReply* r)
    : reply_(r, Free{})
    , view_(r) {}

RedisReply::RedisReply(std::shared_ptr<redisReply> owner, redisReply* element)
    : reply_(element ? std::move(owner) : nullptr)
    , view_(element) {}

bool RedisReply::isError() const {
    return view_ && view_->type == REDIS_REPLY_ERROR;
}

bool RedisReply::isNil() const {
    return !view_ || view_->type == REDIS_REPLY_NIL;
}

QString RedisReply::text() const {
    if (!view_) return {};
    if (view_->type == REDIS_REPLY_STRING || view_->type == REDIS_REPLY_STATUS ||
        view_->type == REDIS_REPLY_ERROR)
        return QString::fromUtf8(view_->str, int(view_->len));
    if (view_->type == REDIS_REPLY_INTEGER) return QString::number(view_->integer);
    return {};
}

long long RedisReply::integer() const {
    if (!view_) return 0;
    if (view_->type == REDIS_REPLY_INTEGER) return view_->integer;
    return text().toLongLong();
}

double RedisReply::number() const {
    if (!view_) return 0;
    if (view_->type == REDIS_REPLY_INTEGER) return double(view_->integer);
    return text().toDouble();
}

int RedisReply::size() const {
    return view_ && view_->type == REDIS_REPLY_ARRAY ? int(view_->elements) : 0;
}

RedisReply RedisReply::element(int i) const {
    if (i < 0 || i >= size()) return {};
    return RedisReply(reply_, view_->element[i]);
}

RedisScript::RedisScript(const char* lua)
    : source(lua)
    , sha1(QCryptographicHash::hash(source, QCryptographicHash::Sha1).toHex()) {}

RedisLink::RedisLink() = default;

RedisLink::~RedisLink() {
    close();
}

void RedisLink::close() {
    if (context_) redisFree(context_);
    context_ = nullptr;
}

bool RedisLink::connect(const BackendUrl& url, std::chrono::milliseconds timeout) {
    close();
    where_ = url.where();
    timeval tv{};
    tv.tv_sec = timeout.count() / 1000;
    tv.tv_usec = (timeout.count() % 1000) * 1000;
    redisContext* c = url.socket_path.isEmpty()
                          ? redisConnectWithTimeout(url.host.toUtf8().constData(), url.port, tv)
                          : redisConnectUnixWithTimeout(url.socket_path.toUtf8().constData(), tv);
    if (!c) {
        error_ = QStringLiteral("cannot reach Redis at %1: out of memory").arg(where_);
        return false;
    }
    if (c->err) {
        error_ = QStringLiteral("cannot reach Redis at %1: %2")
                     .arg(where_, QString::fromLocal8Bit(c->errstr));
        redisFree(c);
        return false;
    }
    redisSetTimeout(c, tv);
    context_ = c;
    if (url.db != 0) {
        const RedisReply r = command({"SELECT", QByteArray::number(url.db)});
        if (!r.ok() || r.isError()) {
            if (r.isError())
                error_ = QStringLiteral("Redis at %1 refused database %2: %3")
                             .arg(where_)
                             .arg(url.db)
                             .arg(r.text());
            close();
            return false;
        }
    }
    return true;
}

RedisReply RedisLink::command(const QList<QByteArray>& args) {
    if (!context_) {
        error_ = QStringLiteral("not connected to Redis at %1").arg(where_);
        return {};
    }
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    argv.reserve(std::size_t(args.size()));
    lens.reserve(std::size_t(args.size()));
    for (const QByteArray& a : args) {
        argv.push_back(a.constData());
        lens.push_back(std::size_t(a.size()));
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(context_, int(argv.size()), argv.data(), lens.data()));
    if (!r) {
        // A timeout or a broken connection: hiredis cannot use this context again.
        error_ = QStringLiteral("Redis at %1 did not answer: %2")
                     .arg(where_, QString::fromLocal8Bit(context_->errstr));
        close();
        return {};
    }
    return RedisReply(r);
}

RedisReply RedisLink::run(const RedisScript& script, const QList<QByteArray>& keys,
                          const QList<QByteArray>& args) {
    QList<QByteArray> call{"EVALSHA", script.sha1, QByteArray::number(keys.size())};
    call << keys << args;
    RedisReply r = command(call);
    if (r.ok() && r.isError() && r.text().startsWith(QLatin1String("NOSCRIPT"))) {
        // The server lost its scripts (restarted, or SCRIPT FLUSH): load once and go on.
        const RedisReply loaded = command({"SCRIPT", "LOAD", script.source});
        if (!loaded.ok()) return loaded;
        if (loaded.isError()) return loaded;
        ++reloads_;
        r = command(call);
    }
    return r;
}

} // namespace throttlelab::backend
