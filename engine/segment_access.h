#pragma once
// For the engine's own files only: the raw segment behind a client, and the operations on it
// that several engine files share. Everything outside the engine goes through
// ThrottleClient's typed operations, so the layout stays free to change.
#include "segment_layout.h"
#include "throttle_client.h"

namespace throttlelab {

inline SharedSegment& sharedSegmentOf(const ThrottleClient& client) {
    return *client.segment_;
}
inline shm::Segment& segmentOf(const ThrottleClient& client) {
    return sharedSegmentOf(client).data();
}

// Permits handed out, all time: each worker counts its own in its slot (no shared counter on
// the hot path), and a freed slot's count is folded into Pacing::granted.
std::uint64_t totalGranted(const shm::Segment& s);
// Frees a worker slot, keeping its count of grants. `expected_pid` guards against freeing a
// slot another process has just taken.
bool releaseWorkerSlot(shm::Segment& s, std::size_t slot, std::int64_t expected_pid);

// Wakes everything that waits on the segment: waiters, the throttle and the monitor.
void signalEvent(shm::Segment& s);
// Tells a throttle process that leases permits from a shared budget that a taker wants one.
void askBackend(shm::Segment& s);

} // namespace throttlelab
