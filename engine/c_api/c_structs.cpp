#include "c_structs.h"

#include "last_error.h"

#include <algorithm>
#include <cstring>

namespace throttlelab::capi {

namespace {

static_assert(int(BackendLossPolicy::Closed) == TL_BACKEND_LOSS_CLOSED &&
              int(BackendLossPolicy::Open) == TL_BACKEND_LOSS_OPEN &&
              int(BackendLossPolicy::Local) == TL_BACKEND_LOSS_LOCAL);

void initByType(tl_options* o) {
    initOptions(o);
}

void initByType(tl_config* c) {
    initConfig(c);
}

// The caller's struct may be older (smaller) than ours: only its bytes are read or written.
template <class T> T readUpTo(const T* in) {
    T copy{};
    initByType(&copy);
    std::memcpy(static_cast<void*>(&copy), in, std::min<std::size_t>(in->size, sizeof(T)));
    copy.size = sizeof(T);
    return copy;
}

template <class T> void writeUpTo(T full, T* out) {
    const unsigned caller_size = out->size;
    full.size = caller_size;
    std::memcpy(static_cast<void*>(out), &full, std::min<std::size_t>(caller_size, sizeof(T)));
}

std::optional<Hardcap> hardcapOf(int v) {
    switch (v) {
    case TL_HARDCAP_LIMIT:
        return Hardcap::Limit;
    case TL_HARDCAP_ONE:
        return Hardcap::One;
    case TL_HARDCAP_NONE:
        return Hardcap::None;
    case TL_HARDCAP_WINDOW:
        return Hardcap::Window;
    default:
        return std::nullopt;
    }
}

int hardcapToC(Hardcap h) {
    switch (h) {
    case Hardcap::Limit:
        return TL_HARDCAP_LIMIT;
    case Hardcap::One:
        return TL_HARDCAP_ONE;
    case Hardcap::None:
        return TL_HARDCAP_NONE;
    case Hardcap::Window:
        return TL_HARDCAP_WINDOW;
    }
    return TL_HARDCAP_LIMIT;
}

std::optional<PacingMode> modeOf(int v) {
    if (v == TL_MODE_EXACT) return PacingMode::Exact;
    if (v == TL_MODE_CLASSIC) return PacingMode::Classic;
    return std::nullopt;
}

int badHardcap(int v) {
    return fail(TL_ERR_BAD_INPUT, QStringLiteral("hardcap must be TL_HARDCAP_LIMIT (0), _ONE (1), "
                                                 "_NONE (2) or _WINDOW (3), got %1")
                                      .arg(v));
}

int badMode(int v) {
    return fail(
        TL_ERR_BAD_INPUT,
        QStringLiteral("mode must be TL_MODE_EXACT (0) or TL_MODE_CLASSIC (1), got %1").arg(v));
}

// A yes/no option, or -1 for "the reference's rule" where `unset_allowed`.
int checkFlag(int v, const char* name, bool unset_allowed) {
    if (v == 0 || v == 1 || (unset_allowed && v == -1)) return TL_OK;
    return fail(TL_ERR_BAD_INPUT,
                QStringLiteral("%1 must be %2, got %3")
                    .arg(QLatin1String(name), unset_allowed ? QStringLiteral("0, 1 or -1 (default)")
                                                            : QStringLiteral("0 or 1"))
                    .arg(v));
}

tl_rate_pair toC(const RatePair& p) {
    return {p.interval_s, p.rate};
}

} // namespace

bool sizeIsKnown(unsigned size, unsigned first_version_size, const char* struct_name) {
    if (size >= first_version_size) return true;
    fail(TL_ERR_VERSION, QStringLiteral("%1.size is %2, below the smallest this library knows "
                                        "(%3): set it with %1_init or sizeof")
                             .arg(QLatin1String(struct_name))
                             .arg(size)
                             .arg(first_version_size));
    return false;
}

void initConfig(tl_config* c) {
    const ThrottleConfig d;
    *c = tl_config{};
    c->size = sizeof(tl_config);
    c->max_n = d.max_n;
    c->per = d.per;
    c->hardcap = hardcapToC(d.hardcap);
    c->mode = d.mode == PacingMode::Exact ? TL_MODE_EXACT : TL_MODE_CLASSIC;
    c->correction = d.correction;
    c->rf_rate = d.rf_rate;
    c->auto_emit = d.auto_emit ? 1 : 0;
}

void initOptions(tl_options* o) {
    const ThrottleOptions d;
    *o = tl_options{};
    o->size = sizeof(tl_options);
    o->name = nullptr;
    o->max_n = d.config.max_n;
    o->per = d.config.per;
    o->hardcap = hardcapToC(d.config.hardcap);
    o->mode = d.config.mode == PacingMode::Exact ? TL_MODE_EXACT : TL_MODE_CLASSIC;
    o->correction = d.config.correction;
    o->correction_given = 0;
    o->rf_rate = d.config.rf_rate;
    o->as_throttle = d.as_throttle ? 1 : 0;
    o->as_monitor = d.as_monitor ? 1 : 0;
    o->auto_emit = -1;
    o->auto_calibrate = -1;
    o->helper_path = nullptr;
    o->log_path = nullptr;
    o->backend_url = nullptr;
    o->on_backend_loss = TL_BACKEND_LOSS_DEFAULT;
}

void initSummary(tl_summary* s) {
    *s = tl_summary{};
    s->size = sizeof(tl_summary);
}

void initStats(tl_stats* s) {
    *s = tl_stats{};
    s->size = sizeof(tl_stats);
}

void initCalibration(tl_calibration* c) {
    *c = tl_calibration{};
    c->size = sizeof(tl_calibration);
}

void initBackend(tl_backend* b) {
    *b = tl_backend{};
    b->size = sizeof(tl_backend);
    b->state = TL_BACKEND_NONE;
}

int fromC(const tl_options* in, ThrottleOptions* out) {
    if (!in) return fail(TL_ERR_BAD_INPUT, "options is NULL (fill one with tl_options_init)");
    if (!sizeIsKnown(in->size, kOptionsV2Size, "tl_options")) return lastStatus();
    const tl_options o = readUpTo(in);
    const std::optional<Hardcap> hardcap = hardcapOf(o.hardcap);
    if (!hardcap) return badHardcap(o.hardcap);
    const std::optional<PacingMode> mode = modeOf(o.mode);
    if (!mode) return badMode(o.mode);
    for (auto [value, name, unset_allowed] : {std::tuple{o.as_throttle, "as_throttle", false},
                                              {o.as_monitor, "as_monitor", false},
                                              {o.correction_given, "correction_given", false},
                                              {o.auto_emit, "auto_emit", true},
                                              {o.auto_calibrate, "auto_calibrate", true}})
        if (int status = checkFlag(value, name, unset_allowed); status != TL_OK) return status;
    ThrottleOptions r;
    if (o.name) r.name = QString::fromUtf8(o.name);
    r.config.max_n = o.max_n;
    r.config.per = o.per;
    r.config.hardcap = *hardcap;
    r.config.mode = *mode;
    r.config.correction = o.correction;
    r.config.rf_rate = o.rf_rate;
    r.correction_given = o.correction_given == 1;
    r.as_throttle = o.as_throttle == 1;
    r.as_monitor = o.as_monitor == 1;
    if (o.auto_emit != -1) r.auto_emit = o.auto_emit == 1;
    if (o.auto_calibrate != -1) r.auto_calibrate = o.auto_calibrate == 1;
    if (o.helper_path) r.helper_path = QString::fromUtf8(o.helper_path);
    if (o.log_path) r.log_path = QString::fromUtf8(o.log_path);
    if (o.backend_url) r.backend_url = QString::fromUtf8(o.backend_url);
    if (o.on_backend_loss != TL_BACKEND_LOSS_DEFAULT) {
        // The C values are the engine's enum, in its order (a static_assert below keeps it so).
        if (o.on_backend_loss < TL_BACKEND_LOSS_CLOSED || o.on_backend_loss > TL_BACKEND_LOSS_LOCAL)
            return fail(TL_ERR_BAD_INPUT,
                        QStringLiteral("on_backend_loss must be TL_BACKEND_LOSS_DEFAULT (-1), "
                                       "_CLOSED (0), _OPEN (1) or _LOCAL (2), got %1")
                            .arg(o.on_backend_loss));
        r.on_backend_loss = BackendLossPolicy(o.on_backend_loss);
    }
    *out = r;
    return TL_OK;
}

int fromC(const tl_config* in, unsigned fields, ConfigPatch* out) {
    if (!in) return fail(TL_ERR_BAD_INPUT, "config is NULL (fill one with tl_config_init)");
    if (!sizeIsKnown(in->size, kConfigV2Size, "tl_config")) return lastStatus();
    if (fields & ~TL_SET_ALL)
        return fail(TL_ERR_BAD_INPUT,
                    QStringLiteral("fields holds unknown bits 0x%1; TL_SET_* are 0x01 to 0x40")
                        .arg(fields & ~TL_SET_ALL, 0, 16));
    if (fields == 0) return fail(TL_ERR_BAD_INPUT, "fields names no field to change (TL_SET_*)");
    const tl_config c = readUpTo(in);
    ConfigPatch p;
    if (fields & TL_SET_MAX_N) p.max_n = c.max_n;
    if (fields & TL_SET_PER) p.per = c.per;
    if (fields & TL_SET_HARDCAP) {
        p.hardcap = hardcapOf(c.hardcap);
        if (!p.hardcap) return badHardcap(c.hardcap);
    }
    if (fields & TL_SET_MODE) {
        p.mode = modeOf(c.mode);
        if (!p.mode) return badMode(c.mode);
    }
    if (fields & TL_SET_CORRECTION) p.correction = c.correction;
    if (fields & TL_SET_RF_RATE) p.rf_rate = c.rf_rate;
    if (fields & TL_SET_AUTO_EMIT) {
        if (int status = checkFlag(c.auto_emit, "auto_emit", false); status != TL_OK) return status;
        p.auto_emit = c.auto_emit == 1;
    }
    *out = p;
    return TL_OK;
}

void toC(const RunSummary& in, tl_summary* out) {
    tl_summary s{};
    s.runtime_s = in.runtime_s;
    s.total = in.total;
    s.mean_interval_s = in.mean_interval_s;
    s.mean_rate = in.mean_rate;
    writeUpTo(s, out);
}

void toC(const ThrottleConfig& in, tl_config* out) {
    tl_config c{};
    c.max_n = in.max_n;
    c.per = in.per;
    c.hardcap = hardcapToC(in.hardcap);
    c.mode = in.mode == PacingMode::Exact ? TL_MODE_EXACT : TL_MODE_CLASSIC;
    c.correction = in.correction;
    c.rf_rate = in.rf_rate;
    c.auto_emit = in.auto_emit ? 1 : 0;
    writeUpTo(c, out);
}

void toC(const CalibrationResult& in, tl_calibration* out) {
    tl_calibration c{};
    c.target_rate = in.target_rate;
    c.uncorrected_rate = in.uncorrected_rate;
    c.reference_correction = in.reference_correction;
    c.correction = in.correction;
    c.corrected_rate = in.corrected_rate;
    writeUpTo(c, out);
}

void toC(const StatsSnapshot& in, const RunInfo& run, int workers, tl_stats* out) {
    tl_stats s{};
    s.latest = toC(in.latest);
    s.mean = toC(in.mean);
    s.hi_lo = toC(in.hi_lo);
    s.lo_hi = toC(in.lo_hi);
    s.total = in.total;
    s.runtime_s = toSeconds(in.runtime_ns);
    s.max_in_window = in.max_in_window;
    s.target_rate = in.target_rate;
    s.latest_count = in.latest_count;
    s.gap_p50_s = in.gap_p50_s;
    s.gap_p90_s = in.gap_p90_s;
    s.gap_p99_s = in.gap_p99_s;
    s.overflow = in.overflow;
    s.running = run.running && !run.killed ? 1 : 0;
    s.killed = run.killed ? 1 : 0;
    s.workers = workers;
    writeUpTo(s, out);
}

int toC(WaitResult r) {
    switch (r) {
    case WaitResult::Granted:
        return TL_GRANTED;
    case WaitResult::TimedOut:
        return TL_TIMED_OUT;
    case WaitResult::Killed:
        return TL_KILLED;
    case WaitResult::Gone:
        return TL_GONE;
    }
    return TL_GONE;
}

// Text into a fixed C array, cut at a whole UTF-8 character and NUL-terminated.
template <std::size_t N> void copyText(const QString& text, char (&out)[N]) {
    QByteArray bytes = text.toUtf8();
    if (bytes.size() > qsizetype(N - 1)) {
        qsizetype cut = qsizetype(N - 1);
        while (cut > 0 && (static_cast<unsigned char>(bytes[cut]) & 0xC0) == 0x80)
            --cut;
        bytes.truncate(cut);
    }
    std::memcpy(out, bytes.constData(), std::size_t(bytes.size()));
    out[bytes.size()] = '\0';
}

void toC(const BackendInfo& in, tl_backend* out) {
    tl_backend b{};
    initBackend(&b);
    if (in.shared()) {
        b.state = in.state == QLatin1String("connected") ? TL_BACKEND_CONNECTED
                  : in.state == QLatin1String("lost")    ? TL_BACKEND_LOST
                                                         : TL_BACKEND_CONNECTING;
        const std::optional<BackendLossPolicy> policy = parseBackendLossPolicy(in.policy);
        b.policy = policy ? int(*policy) : TL_BACKEND_LOSS_DEFAULT;
        b.machines = in.machines;
        b.outages = in.outages;
        b.state_for_s = double(in.state_for_ns) / 1e9;
        b.calls = in.calls;
        b.leased = in.leased;
        b.returned = in.returned;
        b.budget_taken = in.budget_taken;
        b.budget_rate = in.budget_rate;
        copyText(in.url, b.url);
        copyText(in.feed, b.feed);
        copyText(in.error, b.error);
    }
    writeUpTo(b, out);
}

} // namespace throttlelab::capi
