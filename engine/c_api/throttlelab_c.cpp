// The C interface over ThrottleClient.
#include "throttlelab.h"

#include "process_identity.h"
#include "throttle_client.h"

#include <cstring>

struct tl_handle {
    std::unique_ptr<throttlelab::ThrottleClient> client;
};

extern "C" {

tl_handle* tl_attach(const char* name, char* error, unsigned long error_size) {
    QString message;
    auto client = throttlelab::ThrottleClient::attach(QString::fromUtf8(name ? name : ""),
                                                      throttlelab::AttachAs::Worker, &message);
    if (!client) {
        if (error && error_size > 0) {
            const QByteArray utf8 = message.toUtf8();
            const std::size_t n = std::min<std::size_t>(std::size_t(utf8.size()), error_size - 1);
            std::memcpy(error, utf8.constData(), n);
            error[n] = 0;
        }
        return nullptr;
    }
    throttlelab::usePreciseTimers();
    return new tl_handle{std::move(client)};
}

int tl_has_fuel(tl_handle* h) {
    return h && h->client->hasFuel() ? 1 : 0;
}

int tl_await_fuel(tl_handle* h, double timeout_s) {
    if (!h) return TL_GONE;
    const throttlelab::WaitResult r =
        timeout_s < 0 ? h->client->awaitFuel()
                      : h->client->awaitFuel(std::chrono::duration<double>(timeout_s));
    switch (r) {
    case throttlelab::WaitResult::Granted:
        return TL_GRANTED;
    case throttlelab::WaitResult::TimedOut:
        return TL_TIMED_OUT;
    case throttlelab::WaitResult::Killed:
        return TL_KILLED;
    case throttlelab::WaitResult::Gone:
        return TL_GONE;
    }
    return TL_GONE;
}

int tl_emit(tl_handle* h) {
    return h && h->client->emit() ? 1 : 0;
}

double tl_latest_rate(tl_handle* h) {
    return h ? h->client->stats().latest.rate : 0.0;
}

unsigned long long tl_total(tl_handle* h) {
    return h ? h->client->stats().total : 0;
}

void tl_detach(tl_handle* h) {
    delete h;
}

} // extern "C"
