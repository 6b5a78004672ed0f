/* The C interface as a C program sees it: compiled as C11 against throttlelab.h alone, so the
 * header stays plain C, and run against the real library, helpers and shared memory. Each
 * CHECK names what a caller depends on. */
#include "throttlelab.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int failures = 0;
#define CHECK(cond, what)                                                                      \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "FAIL line %d: %s (last error: %s)\n", __LINE__, what,             \
                    tl_last_error());                                                          \
            ++failures;                                                                        \
        }                                                                                      \
    } while (0)

static tl_options options_named(const char* name, long long max_n, double per) {
    tl_options o;
    tl_options_init(&o);
    o.name = name;
    o.max_n = max_n;
    o.per = per;
    return o;
}

static void bad_input_is_named(void) {
    char name[64];
    snprintf(name, sizeof name, "capi-bad-%d", (int)getpid());
    tl_options o = options_named(name, 0, 1);
    CHECK(tl_create(&o) == NULL, "max_n 0 is refused");
    CHECK(tl_last_status() == TL_ERR_BAD_INPUT, "as bad input");
    CHECK(strstr(tl_last_error(), "max_n") != NULL, "naming max_n");
    o = options_named(name, 5, -1);
    CHECK(tl_create(&o) == NULL && strstr(tl_last_error(), "per") != NULL, "per < 0 named");
    o = options_named("no spaces allowed", 5, 1);
    CHECK(tl_create(&o) == NULL && strstr(tl_last_error(), "name") != NULL, "a bad name named");
    o = options_named(name, 5, 1);
    o.hardcap = 9;
    CHECK(tl_create(&o) == NULL && strstr(tl_last_error(), "hardcap") != NULL,
          "an unknown hardcap named");
    o = options_named(name, 5, 1);
    o.size = 8;
    CHECK(tl_create(&o) == NULL && tl_last_status() == TL_ERR_VERSION,
          "a struct smaller than any version is refused");
    CHECK(tl_create(NULL) == NULL && tl_last_status() == TL_ERR_BAD_INPUT, "NULL options");
}

static void attach_to_nothing(void) {
    char error[256] = "unchanged";
    CHECK(tl_attach("capi-nobody-runs-this", error, sizeof error) == NULL, "no such throttle");
    CHECK(tl_last_status() == TL_ERR_NOT_FOUND, "is TL_ERR_NOT_FOUND (try again later)");
    CHECK(strcmp(error, tl_last_error()) == 0, "the buffer holds the same line");
}

static void own_a_throttle(void) {
    char name[64];
    snprintf(name, sizeof name, "capi-own-%d", (int)getpid());
    /* A slow rate: the first permit comes at once, the next only after 10 s. */
    tl_options o = options_named(name, 1, 10);
    o.hardcap = TL_HARDCAP_ONE;
    o.auto_emit = 0;
    tl_throttle* t = tl_create(&o);
    CHECK(t != NULL, "a valid throttle is made");
    if (!t) return;
    CHECK(strcmp(tl_throttle_name(t), name) == 0, "it keeps its name");
    CHECK(tl_throttle_handle(t) == NULL && tl_last_status() == TL_ERR_STATE,
          "no handle before start");
    tl_summary before;
    tl_summary_init(&before);
    CHECK(tl_stop(t, &before) == TL_OK && before.total == 0 && before.runtime_s == 0,
          "stop before start counts nothing (the reference added the epoch)");
    CHECK(tl_start(t) == TL_OK, "start");
    CHECK(tl_start(t) == TL_OK, "a second start is a no-op");
    CHECK(tl_throttle_running(t) == 1, "running");

    tl_options clash = options_named(name, 5, 1);
    tl_throttle* second = tl_create(&clash);
    CHECK(second != NULL && tl_start(second) == TL_ERR_IN_USE, "a live owner's name is in use");
    tl_destroy(second);

    tl_handle* h = tl_throttle_handle(t);
    CHECK(h != NULL, "the owner's handle");
    CHECK(tl_await_fuel(h, 2.0) == TL_GRANTED, "the first permit at once");
    CHECK(tl_emit(h) == TL_OK, "emit with auto_emit off");
    CHECK(tl_await_fuel(h, 0.05) == TL_TIMED_OUT, "the next is 10 s away: timed out");
    CHECK(tl_has_fuel(h) == 0, "has_fuel never blocks");

    tl_config c;
    tl_config_init(&c);
    c.max_n = 0;
    CHECK(tl_set_config(h, &c, TL_SET_MAX_N, NULL) == TL_ERR_BAD_INPUT &&
              strstr(tl_last_error(), "max_n") != NULL,
          "a bad live change is refused, naming the field");
    CHECK(tl_set_config(h, &c, 0x1000u, NULL) == TL_ERR_BAD_INPUT, "unknown field bits");
    c.max_n = 1000;
    c.per = 1;
    tl_config applied;
    tl_config_init(&applied);
    CHECK(tl_set_config(h, &c, TL_SET_MAX_N | TL_SET_PER, &applied) == TL_OK, "a live change");
    CHECK(applied.max_n == 1000 && applied.per == 1 && applied.hardcap == TL_HARDCAP_ONE &&
              applied.auto_emit == 0,
          "changes only the named fields");
    tl_config read;
    tl_config_init(&read);
    CHECK(tl_get_config(h, &read) == TL_OK && read.max_n == 1000, "and reads back");
    CHECK(tl_await_fuel(h, 2.0) == TL_GRANTED, "the new rate grants at once");
    CHECK(tl_emit(h) == TL_OK, "emit");

    tl_stats s;
    tl_stats_init(&s);
    /* Gaps are placed in time order a little after the emissions arrive. */
    for (int i = 0; i < 500 && (s.total < 2 || s.lo_hi.seconds_per_permit == 0); ++i) {
        tl_get_stats(h, &s);
        usleep(10000);
    }
    CHECK(s.total == 2, "the monitor counted both emissions");
    CHECK(s.running == 1 && s.killed == 0 && s.workers >= 1, "running, with this worker");
    CHECK(s.target_rate == 1000, "the target is max_n/per");
    CHECK(s.lo_hi.seconds_per_permit > 0 &&
              fabs(s.lo_hi.seconds_per_permit * s.lo_hi.permits_per_second - 1) < 1e-9,
          "a pair is (seconds per permit, permits per second)");

    CHECK(tl_kill_flag_is_set(h) == 0, "the kill flag starts clear");
    CHECK(tl_kill_flag_wait(h, 0.05) == 0, "waiting for it times out");
    CHECK(tl_kill_flag_set(h) == TL_OK, "set it");
    CHECK(tl_kill_flag_wait(h, -1) == 1 && tl_kill_flag_is_set(h) == 1, "seen at once");
    CHECK(tl_await_fuel(h, 1.0) == TL_KILLED, "a waiter returns killed");
    for (int i = 0; i < 200 && tl_throttle_running(t); ++i)
        usleep(10000);
    CHECK(tl_throttle_running(t) == 0, "the owner stopped the run at the kill flag");

    tl_summary first, again;
    tl_summary_init(&first);
    tl_summary_init(&again);
    CHECK(tl_stop(t, &first) == TL_OK && first.total == 2, "stop reports the two emissions");
    CHECK(tl_stop(t, &again) == TL_OK && again.total == first.total &&
              again.runtime_s == first.runtime_s,
          "a second stop double counts nothing");
    CHECK(first.mean_rate > 0 && fabs(first.mean_rate * first.mean_interval_s - 1) < 1e-9,
          "the 4-tuple's mean pair");

    CHECK(tl_restart(t, 1) == TL_OK, "a clean restart");
    h = tl_throttle_handle(t);
    tl_stats_init(&s);
    tl_get_stats(h, &s);
    CHECK(s.total == 0, "counts from zero");
    tl_destroy(t);
    char error[256];
    CHECK(tl_attach(name, error, sizeof error) == NULL, "destroy ends the throttle");
}

static void owner_death_ends_helpers(void) {
    /* A child owns a throttle and is SIGKILLed: a worker sees the owner gone. */
    char name[64];
    snprintf(name, sizeof name, "capi-orphan-%d", (int)getpid());
    int ready[2];
    if (pipe(ready) != 0) return;
    const pid_t child = fork();
    if (child == 0) {
        tl_options o = options_named(name, 100, 1);
        tl_throttle* t = tl_create(&o);
        const char ok = t && tl_start(t) == TL_OK ? 'y' : 'n';
        if (write(ready[1], &ok, 1) != 1) _exit(1);
        pause();
        _exit(0);
    }
    char ok = 'n';
    CHECK(read(ready[0], &ok, 1) == 1 && ok == 'y', "the child started a throttle");
    char error[256];
    tl_handle* h = tl_attach(name, error, sizeof error);
    CHECK(h != NULL, "a worker joins it");
    kill(child, SIGKILL);
    int r = TL_GRANTED;
    for (int i = 0; i < 500 && r != TL_GONE; ++i)
        r = tl_await_fuel(h, 0.05);
    CHECK(r == TL_GONE, "the worker learns the owner is gone");
    tl_detach(h);
}

int main(void) {
    CHECK(tl_api_version() >= TL_API_VERSION, "the library is at least this header's version");
    CHECK(strlen(tl_version()) > 0, "a version string");
    bad_input_is_named();
    attach_to_nothing();
    own_a_throttle();
    owner_death_ends_helpers();
    if (failures) fprintf(stderr, "%d checks failed\n", failures);
    else printf("all checks passed\n");
    return failures ? 1 : 0;
}
