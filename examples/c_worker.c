/* A worker of your own, in C: join a running throttle and take N permits.
 *   throttlectl run --name demo --max-n 10 --per 1 --workers 0 &
 *   ./c_worker demo 20
 */
#include "throttlelab.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: c_worker NAME PERMITS\n");
        return 2;
    }
    char error[256];
    tl_handle* h = tl_attach(argv[1], error, sizeof error);
    if (!h) {
        fprintf(stderr, "c_worker: %s\n", error);
        return 2;
    }
    int taken = 0;
    const int wanted = atoi(argv[2]);
    while (taken < wanted) {
        const int r = tl_await_fuel(h, 5.0);
        if (r == TL_GRANTED) {
            ++taken; /* the unit of work goes here */
            tl_emit(h);
        } else if (r != TL_TIMED_OUT) {
            break; /* killed or gone */
        }
    }
    printf("%d\n", taken);
    tl_detach(h);
    return taken == wanted ? 0 : 1;
}
