#pragma once
// One synchronous connection to Redis (hiredis), with a timeout on every call: a call that
// does not answer in time fails, and the link is closed, so a stalled server never holds a
// caller longer than the timeout. Scripts are sent by hash and loaded again when the server
// answers that it lost them (a restart or SCRIPT FLUSH). Not thread-safe: one per thread.
#include "backend_url.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <chrono>
#include <memory>

struct redisContext;
struct redisReply;

namespace throttlelab::backend {

// A reply, or nothing when the call failed (then RedisLink::error() says why).
class RedisReply {
public:
    RedisReply() = default;
    explicit RedisReply(redisReply* r);
    bool ok() const { return reply_ != nullptr; }
    bool isError() const; // the server answered with an error (the link stays open)
    bool isNil() const;
    QString text() const; // a string, status or error reply
    long long integer() const;
    double number() const; // an integer, or a string holding a number
    int size() const;      // an array's length
    RedisReply element(int i) const;

private:
    struct Free {
        void operator()(redisReply* r) const;
    };
    std::shared_ptr<redisReply> reply_;
    redisReply* view_ = nullptr; // an element of an array reply (owned by its parent)
    RedisReply(std::shared_ptr<redisReply> owner, redisReply* element);
};

struct RedisScript {
    QByteArray source;
    QByteArray sha1; // hex, computed from the source

    explicit RedisScript(const char* lua);
};

class RedisLink {
public:
    RedisLink();
    ~RedisLink();
    RedisLink(const RedisLink&) = delete;
    RedisLink& operator=(const RedisLink&) = delete;

    // Connects (and selects the URL's database) within `timeout`; calls then time out after
    // `timeout` too. False with the cause in error().
    bool connect(const BackendUrl& url, std::chrono::milliseconds timeout);
    bool connected() const { return context_ != nullptr; }
    void close();
    RedisReply command(const QList<QByteArray>& args);
    RedisReply run(const RedisScript& script, const QList<QByteArray>& keys,
                   const QList<QByteArray>& args);
    QString error() const { return error_; }
    // Scripts loaded again because the server had lost them, all time.
    int reloads() const { return reloads_; }

private:
    redisContext* context_ = nullptr;
    QString error_;
    QString where_;
    int reloads_ = 0;
};

} // namespace throttlelab::backend
