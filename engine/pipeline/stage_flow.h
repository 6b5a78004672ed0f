#pragma once
// Back-pressure, decided without processes: how many items a stage may start now, and which
// stage holds the pipeline back. The coordinator asks these after every event; the tests ask
// them with made-up loads.
#include <vector>

namespace throttlelab::pipeline {

// One stage as the coordinator sees it at one moment.
struct StageLoad {
    int workers = 1;    // its processes
    int busy = 0;       // items it is working on now
    int waiting = 0;    // items queued in front of it
    int capacity = 8;   // its queue's capacity
    bool last = false;  // the last stage: its output goes to the stash only
    long long done = 0; // items it finished this run
};

// Items stage `i` may start now: an idle worker for each, an item waiting for each, and room
// in the next stage's queue for each, counting the items already in flight here (each will
// land there). A queue therefore never holds more than its capacity.
int startable(const std::vector<StageLoad>& stages, int i);

// The stage holding the pipeline back: its input queue is full and the next stage's is empty
// (or it is the last stage), i.e. it, not its neighbours, is the slowest. -1 when none is.
int bottleneck(const std::vector<StageLoad>& stages);

} // namespace throttlelab::pipeline
