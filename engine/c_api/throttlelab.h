/* ThrottleLab's plain C interface: the one surface every other language uses (the Python
 * package is ctypes over it). Link with -lthrottlelab; only tl_* symbols are exported.
 *
 * Two kinds of object:
 * - tl_throttle: the owner of a named throttle, mp_throttle's Throttle. It runs the throttle
 *   and monitor as processes of their own, watched from a thread of its own inside this
 *   library, so the calling program needs no event loop. They end when the owner is
 *   destroyed, and by themselves when the owning process dies.
 * - tl_handle: one process's handle on a throttle found by name (a worker, or the owner's own
 *   handle from tl_throttle_handle). Taking fuel, emitting, the kill flag, live changes and
 *   statistics are all on a handle.
 *
 * Ownership: what tl_create and tl_attach return is the caller's, freed by tl_destroy and
 * tl_detach; tl_throttle_handle's handle belongs to its tl_throttle. Strings passed in are
 * copied; tl_last_error's string lives until the thread's next call into the library.
 *
 * Threads: every function may be called from any thread; one object is used by one thread
 * at a time. A process that forks must not use the parent's objects in the child: it
 * attaches again by name (the Python package does this by itself).
 *
 * Versioned structs: each starts with `size`, which the caller sets (the tl_*_init functions
 * do, with every default). A newer library reads and writes only the first `size` bytes, so
 * a program built against this header keeps working with later versions.
 *
 * Errors: a function that fails returns NULL or a negative TL_ERR_* status, and
 * tl_last_error() then holds one line naming the problem (for bad input: which option and
 * what is accepted). */
#ifndef THROTTLELAB_H
#define THROTTLELAB_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TL_EXPORT __attribute__((visibility("default")))
#else
#define TL_EXPORT
#endif

/* The version of this interface: a program may check tl_api_version() >= TL_API_VERSION. */
#define TL_API_VERSION 3 /* 3: a budget shared through a backend (tl_options, tl_get_backend) */

typedef struct tl_handle tl_handle;
typedef struct tl_throttle tl_throttle;

/* Results of tl_await_fuel (TL_KILLED and TL_GONE also end tl_kill_flag_wait). */
#define TL_GRANTED 1
#define TL_TIMED_OUT 0
#define TL_KILLED -1 /* the throttle's kill flag is set: stop working */
#define TL_GONE -2   /* the throttle's owner died */

/* Statuses. */
#define TL_OK 0
#define TL_ERR_BAD_INPUT -3 /* an argument or option is wrong; the message names it */
#define TL_ERR_NOT_FOUND -4 /* no throttle of that name exists */
#define TL_ERR_IN_USE -5    /* the name belongs to another owner, alive */
#define TL_ERR_STATE -6     /* not possible now (emit with auto_emit on, not started...) */
#define TL_ERR_SYSTEM -7    /* the operating system or a helper process failed */
#define TL_ERR_VERSION -8   /* a struct's size is smaller than any this library knows */

/* hardcap: how many permits the tank may bank. */
#define TL_HARDCAP_LIMIT 0  /* at most max_n (the reference's default) */
#define TL_HARDCAP_ONE 1    /* at most one */
#define TL_HARDCAP_NONE 2   /* unbounded */
#define TL_HARDCAP_WINDOW 3 /* never more than max_n in any sliding window of `per` */

/* mode: how permits are paced. */
#define TL_MODE_EXACT 0   /* deadlines; needs no calibration (ThrottleLab's default) */
#define TL_MODE_CLASSIC 1 /* the reference's sleep loop, where _correction matters */

/* Which fields of a tl_config a live change sets (tl_set_config); the others are kept as
 * they are at that moment, so two processes changing different fields at once both win. */
#define TL_SET_MAX_N 0x01u
#define TL_SET_PER 0x02u
#define TL_SET_HARDCAP 0x04u
#define TL_SET_MODE 0x08u
#define TL_SET_CORRECTION 0x10u
#define TL_SET_RF_RATE 0x20u
#define TL_SET_AUTO_EMIT 0x40u
#define TL_SET_ALL 0x7fu

/* on_backend_loss: what a throttle sharing a budget through a backend does while the backend
 * is slow or gone. Recovery is automatic; no banked permits are replayed after an outage. */
#define TL_BACKEND_LOSS_DEFAULT -1 /* closed with the window hardcap, local otherwise */
#define TL_BACKEND_LOSS_CLOSED 0   /* no permits until it is back */
#define TL_BACKEND_LOSS_OPEN 1     /* no limit until it is back */
#define TL_BACKEND_LOSS_LOCAL 2    /* this machine's share: max_n / machines seen */

/* tl_backend.state: how a shared throttle's link to its backend stands. */
#define TL_BACKEND_NONE 0       /* the throttle is this machine's own (no backend_url) */
#define TL_BACKEND_CONNECTING 1 /* starting, before the first answer */
#define TL_BACKEND_CONNECTED 2
#define TL_BACKEND_LOST 3 /* slow or gone: on_backend_loss applies */

/* The live-tunable settings. */
typedef struct tl_config {
    unsigned int size; /* sizeof(tl_config) */
    long long max_n;   /* permits per `per` seconds, >= 1 */
    double per;        /* seconds, > 0 */
    int hardcap;       /* TL_HARDCAP_* */
    int mode;          /* TL_MODE_* */
    double correction; /* the reference's _correction: sleep T * (1 - correction) */
    double rf_rate;    /* the monitor's refresh period in seconds, > 0 */
    int auto_emit;     /* 1: each grant emits at once; 0: the worker calls tl_emit */
} tl_config;

/* Everything a new throttle is made with: the reference's constructor options and
 * ThrottleLab's own. */
typedef struct tl_options {
    unsigned int size; /* sizeof(tl_options) */
    const char* name;  /* the name workers attach by; NULL: "default" */
    long long max_n;
    double per;
    int hardcap;
    int mode;
    double correction;
    int correction_given; /* 1: `correction` was chosen (no auto calibration) */
    double rf_rate;
    int as_throttle;    /* 1: run the throttle process (default) */
    int as_monitor;     /* 1: run the monitor process (default) */
    int auto_emit;      /* -1: the reference's rule (= as_throttle); 0 or 1 */
    int auto_calibrate; /* -1: the reference's rule (classic at >= 49/s without a correction) */
    const char* helper_path; /* the throttlelab-helper executable; NULL: found by itself */
    const char* log_path;    /* a CSV the monitor appends one row per permit to; NULL: none */
    /* Since TL_API_VERSION 3. One budget shared with the throttles of other machines on the
     * same key: "redis://HOST[:PORT][/DB]?key=NAME" or "redis+unix:///PATH?key=NAME[&db=N]";
     * NULL or "": this machine's own. It needs exact mode and as_throttle. */
    const char* backend_url;
    int on_backend_loss; /* TL_BACKEND_LOSS_* */
} tl_options;

/* stop()'s answer, the reference's 4-tuple. Totals and runtime carry over across restarts. */
typedef struct tl_summary {
    unsigned int size;
    double runtime_s;
    unsigned long long total;
    double mean_interval_s; /* seconds per permit; 0 when nothing was emitted */
    double mean_rate;       /* permits per second */
} tl_summary;

/* The reference's (seconds_per_permit, permits_per_second) pair. */
typedef struct tl_rate_pair {
    double seconds_per_permit;
    double permits_per_second;
} tl_rate_pair;

/* Everything the monitor publishes. */
typedef struct tl_stats {
    unsigned int size;
    tl_rate_pair latest; /* over the most recent window of length `per` */
    tl_rate_pair mean;   /* total / runtime */
    tl_rate_pair hi_lo;  /* the longest gap between emissions, all time */
    tl_rate_pair lo_hi;  /* the shortest gap, all time */
    unsigned long long total;
    double runtime_s;
    long long max_in_window; /* most permits seen in any window of `per`, all time */
    double target_rate;      /* max_n / per */
    unsigned long long latest_count;
    double gap_p50_s, gap_p90_s, gap_p99_s;
    unsigned long long overflow; /* emissions lost to a full ring (reported, never silent) */
    int running;                 /* 1 while started and not killed */
    int killed;                  /* the kill flag */
    int workers;                 /* processes attached as workers now */
} tl_stats;

/* A shared throttle's link and the whole budget, as its throttle process last saw them
 * (tl_get_backend). Text fields are NUL-terminated and cut to fit. Since TL_API_VERSION 3. */
typedef struct tl_backend {
    unsigned int size;
    int state;                       /* TL_BACKEND_*; NONE: every other field is empty */
    int policy;                      /* TL_BACKEND_LOSS_CLOSED, _OPEN or _LOCAL */
    int machines;                    /* machines seen sharing the key, this one included */
    int outages;                     /* times the link was lost since the start */
    double state_for_s;              /* how long it has been in `state` */
    unsigned long long calls;        /* calls made to the backend */
    unsigned long long leased;       /* permits leased (exact mode) or granted (window) */
    unsigned long long returned;     /* leased permits given back unused */
    unsigned long long budget_taken; /* every machine's permits in the last window */
    double budget_rate;              /* every machine's latest rate, summed */
    char url[256];
    char feed[64];   /* where permits come from now: "leased", "closed", "local share ..." */
    char error[256]; /* the last failure, "" if none */
} tl_backend;

/* What calibration measured, and the correction it set. */
typedef struct tl_calibration {
    unsigned int size;
    double target_rate;
    double uncorrected_rate;     /* achieved with correction 0 */
    double reference_correction; /* mp_throttle's formula: 1 - achieved/target */
    double correction;           /* what ThrottleLab set */
    double corrected_rate;       /* achieved with it, in the last round */
} tl_calibration;

TL_EXPORT int tl_api_version(void);
TL_EXPORT const char* tl_version(void); /* the library's version, "0.1.0" */
/* The last failure on this thread: one line, and its TL_ERR_* status. */
TL_EXPORT const char* tl_last_error(void);
TL_EXPORT int tl_last_status(void);

/* Fill the first `size` bytes of a struct (the caller's sizeof) with every default (the
 * reference's) and set its `size`: a newer library never writes past an older caller's struct.
 * The tl_*_init forms below pass the sizeof of this header's struct. */
TL_EXPORT void tl_options_init_size(tl_options* options, unsigned int size);
TL_EXPORT void tl_config_init_size(tl_config* config, unsigned int size);
TL_EXPORT void tl_summary_init_size(tl_summary* summary, unsigned int size);
TL_EXPORT void tl_stats_init_size(tl_stats* stats, unsigned int size);
TL_EXPORT void tl_calibration_init_size(tl_calibration* calibration, unsigned int size);
TL_EXPORT void tl_backend_init_size(tl_backend* backend, unsigned int size);
static inline void tl_options_init(tl_options* o) {
    tl_options_init_size(o, sizeof *o);
}
static inline void tl_config_init(tl_config* c) {
    tl_config_init_size(c, sizeof *c);
}
static inline void tl_summary_init(tl_summary* s) {
    tl_summary_init_size(s, sizeof *s);
}
static inline void tl_stats_init(tl_stats* s) {
    tl_stats_init_size(s, sizeof *s);
}
static inline void tl_calibration_init(tl_calibration* c) {
    tl_calibration_init_size(c, sizeof *c);
}
static inline void tl_backend_init(tl_backend* b) {
    tl_backend_init_size(b, sizeof *b);
}

/* ---- Owning a throttle ---- */

/* Checks every option and makes a stopped throttle; NULL on bad input (TL_ERR_BAD_INPUT,
 * naming the option). Nothing runs until tl_start. */
TL_EXPORT tl_throttle* tl_create(const tl_options* options);
/* Creates the named segment (or reclaims one whose owner died), runs auto calibration when
 * it applies, and returns once the helpers are ready. Idempotent. */
TL_EXPORT int tl_start(tl_throttle* t);
/* Sets the kill flag, ends the helpers within about a second and fills `summary` (may be
 * NULL). Idempotent: a second stop reports the same figures. */
TL_EXPORT int tl_stop(tl_throttle* t, tl_summary* summary);
/* Stops and starts again. With `clean` 1 the new run counts from zero; with 0 totals and
 * runtime carry over, as after tl_stop and tl_start. */
TL_EXPORT int tl_restart(tl_throttle* t, int clean);
/* Measures this throttle's classic loop at its rate for about `duration_s` seconds (<= 0:
 * 1 s) with worker processes of its own, and sets the correction. `result` may be NULL. */
TL_EXPORT int tl_calibrate(tl_throttle* t, double duration_s, tl_calibration* result);
/* Stops (waiting) and frees. NULL is ignored. */
TL_EXPORT void tl_destroy(tl_throttle* t);
/* The owner's own handle, attached as a worker: NULL before the first tl_start. */
TL_EXPORT tl_handle* tl_throttle_handle(tl_throttle* t);
/* The throttle's name; lives as long as `t`. */
TL_EXPORT const char* tl_throttle_name(const tl_throttle* t);
/* 1 while running (started, not stopped). */
TL_EXPORT int tl_throttle_running(const tl_throttle* t);

/* ---- Handles ---- */

/* Joins the throttle `name` as a worker. Returns NULL on failure and, when `error` is not
 * NULL, writes the reason into it (at most error_size bytes, NUL-terminated) as well as into
 * tl_last_error(). TL_ERR_NOT_FOUND when no throttle of that name exists (yet). */
TL_EXPORT tl_handle* tl_attach(const char* name, char* error, unsigned long error_size);
TL_EXPORT void tl_detach(tl_handle* h);
/* 1 when a permit was granted now, 0 otherwise; never blocks. */
TL_EXPORT int tl_has_fuel(tl_handle* h);
/* Blocks until a permit (TL_GRANTED), `timeout_s` seconds (TL_TIMED_OUT; < 0 waits without a
 * deadline), the kill flag (TL_KILLED) or the throttle's end (TL_GONE). */
TL_EXPORT int tl_await_fuel(tl_handle* h, double timeout_s);
/* Reports the work of the last permit as done now: TL_OK, or TL_ERR_STATE when auto_emit is
 * on (every grant has emitted already). */
TL_EXPORT int tl_emit(tl_handle* h);
/* The same, done at `monotonic_s`, seconds of CLOCK_MONOTONIC (Python's time.monotonic()). */
TL_EXPORT int tl_emit_at(tl_handle* h, double monotonic_s);
TL_EXPORT int tl_get_config(tl_handle* h, tl_config* config);
/* A live change of the fields `fields` names (TL_SET_*), checked first: TL_ERR_BAD_INPUT
 * names the field and what is accepted, and nothing changes. Every waiter wakes and
 * recomputes under the new settings. `applied` (may be NULL) receives the result. */
TL_EXPORT int tl_set_config(tl_handle* h, const tl_config* config, unsigned int fields,
                            tl_config* applied);
TL_EXPORT int tl_get_stats(tl_handle* h, tl_stats* stats);
/* The shared budget's state as this machine's throttle process last published it (no call
 * to the backend is made): state TL_BACKEND_NONE for a throttle of this machine alone. */
TL_EXPORT int tl_get_backend(tl_handle* h, tl_backend* backend);

/* The kill flag. Setting it from any process stops the run: every waiter returns
 * TL_KILLED, the helpers end and the owner stops. Clearing it does not restart anything
 * (tl_start does, and clears it itself). */
TL_EXPORT int tl_kill_flag_set(tl_handle* h);
TL_EXPORT int tl_kill_flag_clear(tl_handle* h);
TL_EXPORT int tl_kill_flag_is_set(tl_handle* h);
/* 1 once the flag is set (at once if it is), 0 after `timeout_s` (< 0: no deadline),
 * TL_GONE when the owner died first. */
TL_EXPORT int tl_kill_flag_wait(tl_handle* h, double timeout_s);

/* Deprecated since TL_API_VERSION 2 (use tl_get_stats); kept for programs built before. */
TL_EXPORT double tl_latest_rate(tl_handle* h);
TL_EXPORT unsigned long long tl_total(tl_handle* h);

#ifdef __cplusplus
}
#endif
#endif
