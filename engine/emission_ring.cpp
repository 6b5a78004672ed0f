#include "emission_ring.h"

#include "fault_injection.h"
#include "futex.h"

#include <limits>

namespace throttlelab {

bool pushEmission(shm::EmissionRing& ring, const Emission& e) {
    std::uint64_t head = ring.head.load(std::memory_order_relaxed);
    for (;;) {
        const std::uint64_t tail = ring.tail.load(std::memory_order_acquire);
        // `head` may be stale (older than `tail`, after other writers and the monitor moved
        // on): then the CAS below fails and refreshes it. Only a current head can be full.
        if (head >= tail + shm::kEmissionRingSize) {
            ring.overflow.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        // seq_cst: with the monitor's store to monitor_parked and load of head, exactly one
        // of the two sees the other (no emission waits for a sleeping monitor).
        if (ring.head.compare_exchange_weak(head, head + 1, std::memory_order_seq_cst,
                                            std::memory_order_relaxed))
            break;
    }
    shm::EmissionEntry& slot = ring.entries[head % shm::kEmissionRingSize];
    faultPoint(FaultPoint::EmissionReserved);
    slot.grant_ns.store(e.grant_ns, std::memory_order_relaxed);
    slot.emit_ns.store(e.emit_ns, std::memory_order_relaxed);
    slot.origin.store(shm::packOrigin(e.pid, e.worker), std::memory_order_relaxed);
    slot.seq.store(head + 1, std::memory_order_release);
    ring.emitted.fetch_add(1, std::memory_order_relaxed);
    if (ring.monitor_parked.load(std::memory_order_seq_cst) &&
        ring.monitor_parked.exchange(0, std::memory_order_acq_rel)) {
        ring.monitor_wake.fetch_add(1, std::memory_order_acq_rel);
        futexWake(ring.monitor_wake, 1);
    }
    return true;
}

bool parkMonitorIfEmpty(shm::EmissionRing& ring, Nanos until) {
    const std::uint32_t seen = ring.monitor_wake.load(std::memory_order_acquire);
    ring.monitor_parked.store(1, std::memory_order_seq_cst);
    if (ring.head.load(std::memory_order_seq_cst) != ring.tail.load(std::memory_order_acquire)) {
        ring.monitor_parked.store(0, std::memory_order_relaxed);
        return false;
    }
    futexWaitUntil(ring.monitor_wake, seen, until);
    ring.monitor_parked.store(0, std::memory_order_relaxed);
    return true;
}

std::size_t takeEmissions(const shm::EmissionRing& ring, std::uint64_t& cursor, Nanos horizon,
                          std::vector<Emission>& out, const StuckEntryPolicy& stuck,
                          std::uint64_t& abandoned) {
    const std::uint64_t head = ring.head.load(std::memory_order_acquire);
    std::size_t n = 0;
    while (cursor < head) {
        const shm::EmissionEntry& slot = ring.entries[cursor % shm::kEmissionRingSize];
        if (slot.seq.load(std::memory_order_acquire) != cursor + 1) {
            // Claimed, not yet filled: its writer is mid-push, or died there.
            if (*stuck.since == 0) *stuck.since = stuck.now;
            if (stuck.now - *stuck.since < stuck.after_ns) break;
            ++abandoned;
        } else {
            const std::uint64_t origin = slot.origin.load(std::memory_order_relaxed);
            const Emission e{slot.grant_ns.load(std::memory_order_relaxed),
                             slot.emit_ns.load(std::memory_order_relaxed),
                             shm::originWorker(origin), shm::originPid(origin)};
            if (e.emit_ns > horizon) break;
            out.push_back(e);
            ++n;
        }
        *stuck.since = 0;
        ++cursor;
    }
    return n;
}

ResidentCount countResident(const shm::EmissionRing& ring, std::uint64_t cursor,
                            Nanos recent_after) {
    const std::uint64_t head = ring.head.load(std::memory_order_acquire);
    ResidentCount r;
    for (; cursor < head; ++cursor) {
        const shm::EmissionEntry& slot = ring.entries[cursor % shm::kEmissionRingSize];
        if (slot.seq.load(std::memory_order_acquire) != cursor + 1) continue;
        ++r.total;
        if (slot.emit_ns.load(std::memory_order_relaxed) > recent_after) ++r.recent;
    }
    return r;
}

void releaseEmissions(shm::EmissionRing& ring, std::uint64_t cursor) {
    if (ring.tail.load(std::memory_order_relaxed) < cursor)
        ring.tail.store(cursor, std::memory_order_release);
}

std::size_t drainEmissions(shm::EmissionRing& ring, std::vector<Emission>& out, Nanos now,
                           Nanos stuck_after_ns, Nanos* stuck_since) {
    std::uint64_t cursor = ring.tail.load(std::memory_order_relaxed);
    std::uint64_t abandoned = 0;
    const std::size_t n = takeEmissions(ring, cursor, std::numeric_limits<Nanos>::max(), out,
                                        {now, stuck_after_ns, stuck_since}, abandoned);
    ring.overflow.fetch_add(abandoned, std::memory_order_relaxed);
    ring.abandoned.fetch_add(abandoned, std::memory_order_relaxed);
    releaseEmissions(ring, cursor);
    return n;
}

} // namespace throttlelab
