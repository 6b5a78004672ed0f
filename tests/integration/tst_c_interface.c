/* The C interface as a C program sees it: compiled as C11 against throttlelab.h alone, so the
 * header stays plain C, and run against the real library, helpers and shared memory. Each
 * CHECK names what a caller depends on. */
#include "throttlelab.h"

#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures = 0;
#define CHECK(cond, what)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL line %d: %s (last error: %s)\n", __LINE__, what,                 \
                    tl_last_error());                                                              \
            ++failures;                                                                            \
        }                                                                                          \
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
    o = options_named(name, 5, 1);
    o.backend_url = "http://localhost/?key=k";
    CHECK(tl_create(&o) == NULL && tl_last_status() == TL_ERR_BAD_INPUT &&
              strstr(tl_last_error(), "redis://") != NULL,
          "a backend URL of another scheme is refused, saying what is accepted");
    o = options_named(name, 5, 1);
    o.backend_url = "redis://127.0.0.1:6379/0?key=k";
    o.on_backend_loss = 7;
    CHECK(tl_create(&o) == NULL && strstr(tl_last_error(), "on_backend_loss") != NULL,
          "an unknown loss policy named");
    o = options_named(name, 5, 1);
    o.backend_url = "redis://127.0.0.1:6379/0?key=k";
    o.mode = TL_MODE_CLASSIC;
    CHECK(tl_create(&o) == NULL && tl_last_status() == TL_ERR_BAD_INPUT,
          "a shared budget in classic mode is refused");
}

/* A program built against version 2 of the header passes a tl_options that ends at log_path:
 * it is read up to there and its throttle is this machine's own. */
static void a_version_2_caller_still_works(void) {
    char name[64];
    snprintf(name, sizeof name, "capi-v2-%d", (int)getpid());
    tl_options o = options_named(name, 5, 1);
    o.backend_url = "this byte is past the caller's struct and never read";
    o.on_backend_loss = 99;
    o.size = (unsigned)offsetof(tl_options, backend_url);
    tl_throttle* t = tl_create(&o);
    CHECK(t != NULL, "a version 2 tl_options is accepted");
    if (!t) return;
    CHECK(tl_start(t) == TL_OK, "and starts");
    tl_backend b;
    tl_backend_init(&b);
    CHECK(tl_get_backend(tl_throttle_handle(t), &b) == TL_OK && b.state == TL_BACKEND_NONE &&
              b.url[0] == '\0',
          "with no backend");
    tl_destroy(t);
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

static double monotonic_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A real redis-server on a Unix socket in a folder of its own, no persistence; it dies with
 * this process. Returns its pid, or -1 when it did not come up. */
static pid_t start_redis(const char* folder, const char* socket_path) {
    const pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (!freopen("/dev/null", "w", stdout)) _exit(127);
        execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", socket_path, "--save",
               "", "--appendonly", "no", "--dir", folder, (char*)NULL);
        _exit(127);
    }
    struct stat st;
    for (int i = 0; i < 200; ++i) {
        if (stat(socket_path, &st) == 0) return pid;
        usleep(25000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static int wait_for_machines(tl_handle* h, int machines, tl_backend* b) {
    for (int i = 0; i < 400; ++i) {
        tl_backend_init(b);
        if (tl_get_backend(h, b) == TL_OK && b->state == TL_BACKEND_CONNECTED &&
            b->machines >= machines)
            return 1;
        usleep(25000);
    }
    return 0;
}

/* Two throttles of this process with their own segments (two "machines") share one budget
 * on a real Redis: the window hardcap holds across both, and each sees the other. */
static void two_throttles_share_one_budget(void) {
    char folder[] = "/tmp/tst_c_interface-redis-XXXXXX";
    if (!mkdtemp(folder)) {
        CHECK(0, "a temporary folder for redis-server");
        return;
    }
    char socket_path[128], url[256], name_a[64], name_b[64];
    snprintf(socket_path, sizeof socket_path, "%s/redis.sock", folder);
    snprintf(url, sizeof url, "redis+unix://%s?key=capi-%d", socket_path, (int)getpid());
    snprintf(name_a, sizeof name_a, "capi-shared-a-%d", (int)getpid());
    snprintf(name_b, sizeof name_b, "capi-shared-b-%d", (int)getpid());
    const pid_t redis = start_redis(folder, socket_path);
    CHECK(redis > 0, "redis-server starts (scripts/setup.sh installs it)");
    if (redis <= 0) return;

    const long long max_n = 10;
    tl_options o = options_named(name_a, max_n, 1);
    o.hardcap = TL_HARDCAP_WINDOW;
    o.backend_url = url;
    tl_throttle* a = tl_create(&o);
    o.name = name_b;
    o.on_backend_loss = TL_BACKEND_LOSS_LOCAL;
    tl_throttle* b = tl_create(&o);
    CHECK(a && b, "two throttles on one key are made");
    CHECK(a && b && tl_start(a) == TL_OK && tl_start(b) == TL_OK, "and start");
    tl_handle* ha = a ? tl_throttle_handle(a) : NULL;
    tl_handle* hb = b ? tl_throttle_handle(b) : NULL;
    if (ha && hb) {
        tl_backend info;
        CHECK(wait_for_machines(ha, 2, &info), "each sees both machines on the key");
        CHECK(strcmp(info.url, url) == 0, "with its URL");
        CHECK(info.policy == TL_BACKEND_LOSS_CLOSED, "the window hardcap's default is closed");
        CHECK(wait_for_machines(hb, 2, &info) && info.policy == TL_BACKEND_LOSS_LOCAL,
              "the other kept the policy it was given");
        /* Take from both for about 1.5 s. Redis logs each permit up to 20 ms after it is taken
         * here, never before, so a stretch of L seconds holds at most ceil((L + 0.02) / per)
         * windows' budget: 20 for 1.5 s, where two throttles of their own would grant about
         * 50. L is measured after the loop, so a stalled test only widens the bound. */
        long long taken_a = 0, taken_b = 0;
        const double start = monotonic_s();
        while (monotonic_s() - start < 1.5) {
            taken_a += tl_has_fuel(ha) == 1;
            taken_b += tl_has_fuel(hb) == 1;
            usleep(1000);
        }
        const double stretch = monotonic_s() - start;
        const long long budget = max_n * (long long)ceil((stretch + 0.02) / 1.0);
        CHECK(taken_a + taken_b <= budget, "the two share one window's budget");
        CHECK(taken_a > 0 && taken_b > 0, "and both take from it");
        tl_backend_init(&info);
        CHECK(tl_get_backend(ha, &info) == TL_OK && info.calls > 0 && info.leased > 0,
              "the throttle process counts its calls and grants");
        CHECK(tl_get_backend(ha, NULL) == TL_ERR_BAD_INPUT, "a NULL tl_backend is refused");
        info.size = 4;
        CHECK(tl_get_backend(ha, &info) == TL_ERR_VERSION, "a struct too small is refused");
    }
    tl_destroy(a);
    tl_destroy(b);
    kill(redis, SIGKILL);
    waitpid(redis, NULL, 0);
    unlink(socket_path);
    rmdir(folder);
}

int main(void) {
    CHECK(tl_api_version() >= TL_API_VERSION, "the library is at least this header's version");
    CHECK(strlen(tl_version()) > 0, "a version string");
    bad_input_is_named();
    attach_to_nothing();
    a_version_2_caller_still_works();
    own_a_throttle();
    owner_death_ends_helpers();
    two_throttles_share_one_budget();
    if (failures)
        fprintf(stderr, "%d checks failed\n", failures);
    else
        printf("all checks passed\n");
    return failures ? 1 : 0;
}
