// The C interface: plain structs in and out, the engine's classes behind them. Every entry
// point catches what it can, records why it failed (last_error.h) and returns a status; no
// C++ exception crosses into a caller in another language.
#include "throttlelab.h"

#include "c_structs.h"
#include "executable_lookup.h"
#include "last_error.h"
#include "owner_thread.h"
#include "process_identity.h"
#include "throttle_client.h"
#include "throttlelab_install_layout.h"
#include "throttlelab_version.h"

#include <QDir>
#include <QFileInfo>
#include <algorithm>
#include <cstring>
#include <dlfcn.h>
#include <memory>

using namespace throttlelab;
using throttlelab::capi::fail;

struct tl_handle {
    std::unique_ptr<ThrottleClient> client;
};

struct tl_throttle {
    ThrottleOptions options;
    QByteArray name_utf8;
    std::unique_ptr<OwnerThread> owner;
    tl_handle own_handle; // attached as a worker after the first start
    bool running = false;
};

namespace {

// The library is loaded into programs that are not ThrottleLab's (python3): its helpers are
// found relative to the library, in an install's helpers folder or in the build tree's bin/
// beside lib/.
void registerOwnFolders() {
    static const bool done = [] {
        Dl_info info{};
        if (dladdr(reinterpret_cast<void*>(&tl_api_version), &info) && info.dli_fname) {
            const QDir lib_dir = QFileInfo(QString::fromLocal8Bit(info.dli_fname)).absoluteDir();
            addExecutableDirectory(
                QDir::cleanPath(lib_dir.filePath(QStringLiteral(THROTTLELAB_HELPERS_FROM_LIBDIR))));
            addExecutableDirectory(QDir::cleanPath(lib_dir.filePath(QStringLiteral("../bin"))));
            addExecutableDirectory(lib_dir.filePath(QStringLiteral("throttlelab")));
            addExecutableDirectory(lib_dir.absolutePath());
        }
        return true;
    }();
    (void)done;
}

int statusOfAttachError(const QString& message) {
    return message.startsWith(QLatin1String("no throttle named")) ||
                   message.contains(QLatin1String("is still starting"))
               ? TL_ERR_NOT_FOUND
               : TL_ERR_SYSTEM;
}

int statusOfStartError(const QString& message) {
    return message.contains(QLatin1String("is already running")) ? TL_ERR_IN_USE : TL_ERR_SYSTEM;
}

bool validHandle(tl_handle* h) {
    if (h && h->client) return true;
    fail(TL_ERR_BAD_INPUT, "the handle is NULL or not attached");
    return false;
}

bool validThrottle(tl_throttle* t) {
    if (t) return true;
    fail(TL_ERR_BAD_INPUT, "the throttle is NULL");
    return false;
}

// Attaches the owner's own handle once its segment exists.
void attachOwnHandle(tl_throttle* t) {
    if (t->own_handle.client) return;
    QString error;
    t->own_handle.client = ThrottleClient::attach(t->options.name, AttachAs::Worker, &error);
}

int startOn(tl_throttle* t) {
    QString error;
    t->owner->call([&](Throttle& throttle) { error = throttle.start(); });
    if (!error.isEmpty()) return fail(statusOfStartError(error), error);
    t->running = true;
    attachOwnHandle(t);
    return TL_OK;
}

RunSummary stopOn(tl_throttle* t) {
    RunSummary summary;
    t->owner->call([&](Throttle& throttle) { summary = throttle.stop(); });
    t->running = false;
    return summary;
}

} // namespace

extern "C" {

int tl_api_version(void) {
    return TL_API_VERSION;
}

const char* tl_version(void) {
    return THROTTLELAB_VERSION;
}

const char* tl_last_error(void) {
    return capi::lastError();
}

int tl_last_status(void) {
    return capi::lastStatus();
}

void tl_options_init_size(tl_options* o, unsigned int size) {
    capi::initUpTo(o, size, capi::initOptions);
}

void tl_config_init_size(tl_config* c, unsigned int size) {
    capi::initUpTo(c, size, capi::initConfig);
}

void tl_summary_init_size(tl_summary* s, unsigned int size) {
    capi::initUpTo(s, size, capi::initSummary);
}

void tl_stats_init_size(tl_stats* s, unsigned int size) {
    capi::initUpTo(s, size, capi::initStats);
}

void tl_calibration_init_size(tl_calibration* c, unsigned int size) {
    capi::initUpTo(c, size, capi::initCalibration);
}

void tl_backend_init_size(tl_backend* b, unsigned int size) {
    capi::initUpTo(b, size, capi::initBackend);
}

tl_throttle* tl_create(const tl_options* options) {
    capi::clearError();
    ThrottleOptions o;
    if (capi::fromC(options, &o) != TL_OK) return nullptr;
    if (ConfigError e = checkOptions(o)) {
        fail(e.isBadInput() ? TL_ERR_BAD_INPUT : TL_ERR_SYSTEM, e.message());
        return nullptr;
    }
    registerOwnFolders();
    usePreciseTimers();
    auto* t = new tl_throttle;
    t->options = o;
    t->name_utf8 = o.name.toUtf8();
    t->owner = std::make_unique<OwnerThread>(o);
    return t;
}

int tl_start(tl_throttle* t) {
    capi::clearError();
    if (!validThrottle(t)) return capi::lastStatus();
    return startOn(t);
}

int tl_stop(tl_throttle* t, tl_summary* summary) {
    capi::clearError();
    if (!validThrottle(t)) return capi::lastStatus();
    if (summary && !capi::sizeIsKnown(summary->size, capi::kSummaryV2Size, "tl_summary"))
        return capi::lastStatus();
    const RunSummary s = stopOn(t);
    if (summary) capi::toC(s, summary);
    return TL_OK;
}

int tl_restart(tl_throttle* t, int clean) {
    capi::clearError();
    if (!validThrottle(t)) return capi::lastStatus();
    stopOn(t);
    if (clean) {
        bool reset = false;
        t->owner->call([&](Throttle& throttle) { reset = throttle.resetFigures(); });
        if (!reset) return fail(TL_ERR_STATE, "the throttle did not stop, so it cannot restart");
    }
    return startOn(t);
}

int tl_calibrate(tl_throttle* t, double duration_s, tl_calibration* result) {
    capi::clearError();
    if (!validThrottle(t)) return capi::lastStatus();
    if (result && !capi::sizeIsKnown(result->size, capi::kCalibrationV2Size, "tl_calibration"))
        return capi::lastStatus();
    CalibrationResult measured;
    t->owner->call([&](Throttle& throttle) {
        if (duration_s <= 0) {
            measured = throttle.calibrate();
            return;
        }
        CalibrationRequest req;
        req.max_n = throttle.config().max_n;
        req.per = throttle.config().per;
        req.duration_s = duration_s;
        req.helper_path = throttle.options().helper_path;
        measured = throttlelab::calibrate(req);
        if (measured.error.isEmpty()) {
            ThrottleConfig c = throttle.config();
            c.correction = measured.correction;
            throttle.setConfig(c);
        }
    });
    if (!measured.error.isEmpty()) return fail(TL_ERR_SYSTEM, measured.error);
    if (result) capi::toC(measured, result);
    return TL_OK;
}

void tl_destroy(tl_throttle* t) {
    if (!t) return;
    t->own_handle.client.reset(); // its slot is freed before the segment goes
    t->owner.reset();
    delete t;
}

tl_handle* tl_throttle_handle(tl_throttle* t) {
    capi::clearError();
    if (!validThrottle(t)) return nullptr;
    if (!t->own_handle.client) {
        fail(TL_ERR_STATE, "the throttle has not been started yet");
        return nullptr;
    }
    return &t->own_handle;
}

const char* tl_throttle_name(const tl_throttle* t) {
    return t ? t->name_utf8.constData() : "";
}

int tl_throttle_running(const tl_throttle* t) {
    if (!t || !t->running || !t->own_handle.client) return 0;
    return t->own_handle.client->killed() ? 0 : 1;
}

tl_handle* tl_attach(const char* name, char* error, unsigned long error_size) {
    capi::clearError();
    QString message;
    const QString text = QString::fromUtf8(name ? name : "");
    std::unique_ptr<ThrottleClient> client;
    if (ConfigError e = checkName(text)) {
        fail(TL_ERR_BAD_INPUT, e.message()); // a name no throttle can have
    } else {
        client = ThrottleClient::attach(text, AttachAs::Worker, &message);
        if (!client) fail(statusOfAttachError(message), message);
    }
    if (!client) {
        if (error && error_size > 0) {
            const std::size_t n =
                std::min<std::size_t>(std::strlen(capi::lastError()), error_size - 1);
            std::memcpy(error, capi::lastError(), n);
            error[n] = 0;
        }
        return nullptr;
    }
    usePreciseTimers();
    return new tl_handle{std::move(client)};
}

void tl_detach(tl_handle* h) {
    delete h;
}

int tl_has_fuel(tl_handle* h) {
    return h && h->client && h->client->hasFuel() ? 1 : 0;
}

int tl_await_fuel(tl_handle* h, double timeout_s) {
    if (!validHandle(h)) return TL_GONE;
    const WaitResult r = timeout_s < 0
                             ? h->client->awaitFuel()
                             : h->client->awaitFuel(std::chrono::duration<double>(timeout_s));
    return capi::toC(r);
}

int tl_emit(tl_handle* h) {
    capi::clearError();
    if (!validHandle(h)) return capi::lastStatus();
    if (!h->client->emit())
        return fail(TL_ERR_STATE, "emit is refused while auto_emit is on: every grant has "
                                  "emitted already (start with auto_emit off to emit yourself)");
    return TL_OK;
}

int tl_emit_at(tl_handle* h, double monotonic_s) {
    capi::clearError();
    if (!validHandle(h)) return capi::lastStatus();
    if (!(monotonic_s >= 0) || monotonic_s > 1e9)
        return fail(TL_ERR_BAD_INPUT,
                    "the timestamp must be seconds of CLOCK_MONOTONIC (0 to 1e9), got " +
                        QString::number(monotonic_s));
    if (!h->client->emit(fromSeconds(monotonic_s)))
        return fail(TL_ERR_STATE, "emit is refused while auto_emit is on: every grant has "
                                  "emitted already (start with auto_emit off to emit yourself)");
    return TL_OK;
}

int tl_get_config(tl_handle* h, tl_config* config) {
    capi::clearError();
    if (!validHandle(h)) return capi::lastStatus();
    if (!config) return fail(TL_ERR_BAD_INPUT, "config is NULL");
    if (!capi::sizeIsKnown(config->size, capi::kConfigV2Size, "tl_config"))
        return capi::lastStatus();
    capi::toC(h->client->config(), config);
    return TL_OK;
}

int tl_set_config(tl_handle* h, const tl_config* config, unsigned int fields, tl_config* applied) {
    capi::clearError();
    if (!validHandle(h)) return capi::lastStatus();
    ConfigPatch patch;
    if (capi::fromC(config, fields, &patch) != TL_OK) return capi::lastStatus();
    if (applied && !capi::sizeIsKnown(applied->size, capi::kConfigV2Size, "tl_config"))
        return capi::lastStatus();
    ThrottleConfig result;
    if (ConfigError e = h->client->changeConfig(patch, &result))
        return fail(e.isBadInput() ? TL_ERR_BAD_INPUT : TL_ERR_SYSTEM, e.message());
    if (applied) capi::toC(result, applied);
    return TL_OK;
}

int tl_get_stats(tl_handle* h, tl_stats* stats) {
    capi::clearError();
    if (!validHandle(h)) return capi::lastStatus();
    if (!stats) return fail(TL_ERR_BAD_INPUT, "stats is NULL");
    if (!capi::sizeIsKnown(stats->size, capi::kStatsV2Size, "tl_stats")) return capi::lastStatus();
    const RunInfo run = h->client->runInfo();
    int workers = 0;
    for (const WorkerInfo& w : h->client->workers())
        if (w.state != WorkerState::Free) ++workers;
    capi::toC(h->client->stats(), run, workers, stats);
    return TL_OK;
}

int tl_get_backend(tl_handle* h, tl_backend* backend) {
    capi::clearError();
    if (!validHandle(h)) return capi::lastStatus();
    if (!backend) return fail(TL_ERR_BAD_INPUT, "backend is NULL");
    if (!capi::sizeIsKnown(backend->size, capi::kBackendV3Size, "tl_backend"))
        return capi::lastStatus();
    capi::toC(h->client->backendInfo(), backend);
    return TL_OK;
}

int tl_kill_flag_set(tl_handle* h) {
    capi::clearError();
    if (!validHandle(h)) return capi::lastStatus();
    // The owner sees it within a few ms and stops the run (owner_thread.cpp).
    h->client->requestStop();
    return TL_OK;
}

int tl_kill_flag_clear(tl_handle* h) {
    capi::clearError();
    if (!validHandle(h)) return capi::lastStatus();
    h->client->clearKillFlag();
    return TL_OK;
}

int tl_kill_flag_is_set(tl_handle* h) {
    return h && h->client && h->client->killed() ? 1 : 0;
}

int tl_kill_flag_wait(tl_handle* h, double timeout_s) {
    if (!validHandle(h)) return TL_GONE;
    std::optional<std::chrono::duration<double>> timeout;
    if (timeout_s >= 0) timeout = std::chrono::duration<double>(timeout_s);
    switch (h->client->awaitKill(timeout)) {
    case WaitResult::Killed:
        return 1;
    case WaitResult::Gone:
        return TL_GONE;
    default:
        return 0;
    }
}

double tl_latest_rate(tl_handle* h) {
    return h && h->client ? h->client->stats().latest.rate : 0.0;
}

unsigned long long tl_total(tl_handle* h) {
    return h && h->client ? h->client->stats().total : 0;
}

} // extern "C"
