/* ThrottleLab's plain C interface: join a running throttle by name and take permits.
 * Link with -lthrottlelab. Every function is safe to call from any process of the same user;
 * a handle is used by one thread at a time. */
#ifndef THROTTLELAB_H
#define THROTTLELAB_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tl_handle tl_handle;

/* Results of tl_await_fuel. */
#define TL_GRANTED 1
#define TL_TIMED_OUT 0
#define TL_KILLED -1 /* the throttle's kill flag is set: stop working */
#define TL_GONE -2   /* the throttle's owner died */

/* Joins the throttle `name` as a worker. Returns NULL on failure and, when `error` is not
 * NULL, writes a one-line reason into it (at most error_size bytes, NUL-terminated). */
tl_handle* tl_attach(const char* name, char* error, unsigned long error_size);
/* 1 when a permit was granted now, 0 otherwise; never blocks. */
int tl_has_fuel(tl_handle* h);
/* Blocks until a permit (TL_GRANTED), `timeout_s` seconds (TL_TIMED_OUT; < 0 waits without a
 * deadline), the kill flag (TL_KILLED) or the throttle's end (TL_GONE). */
int tl_await_fuel(tl_handle* h, double timeout_s);
/* Reports the work of the last permit done now; 0 when auto_emit already did. */
int tl_emit(tl_handle* h);
/* Statistics the monitor published: the latest rate (permits/s) and the total. */
double tl_latest_rate(tl_handle* h);
unsigned long long tl_total(tl_handle* h);
void tl_detach(tl_handle* h);

#ifdef __cplusplus
}
#endif
#endif
