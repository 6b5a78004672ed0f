/* A program outside the tree that links an installed libthrottlelab: joins the running
 * throttle NAME and takes PERMITS permits. Built twice by the packaging tests, through
 * find_package(ThrottleLab) and through pkg-config.
 *   consumer NAME PERMITS  ->  prints "<library version> <permits taken>", exits 0 when all */
#include <throttlelab.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: consumer NAME PERMITS\n");
        return 2;
    }
    char error[256];
    tl_handle* h = tl_attach(argv[1], error, sizeof error);
    if (!h) {
        fprintf(stderr, "consumer: %s\n", error);
        return 1;
    }
    const int wanted = atoi(argv[2]);
    int taken = 0;
    int timeouts = 0;
    while (taken < wanted && timeouts < 10) {
        const int r = tl_await_fuel(h, 1.0);
        if (r == TL_GRANTED) {
            ++taken;
            tl_emit(h);
        } else if (r == TL_TIMED_OUT) {
            ++timeouts;
        } else {
            break; /* killed or gone */
        }
    }
    printf("%s %d\n", tl_version(), taken);
    tl_detach(h);
    return taken == wanted ? 0 : 1;
}
