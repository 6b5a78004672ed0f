#include "run_time.h"

#include <algorithm>

namespace throttlelab {

Nanos runtimeAt(const shm::Control& control, Nanos now) {
    Nanos runtime = control.accumulated_runtime_ns.load(std::memory_order_acquire);
    if (control.run_state.load(std::memory_order_acquire) ==
        std::uint32_t(shm::RunState::Running)) {
        const Nanos killed_at = control.kill_ns.load(std::memory_order_acquire);
        const Nanos end = killed_at > 0 ? std::min(now, killed_at) : now;
        runtime += std::max<Nanos>(0, end - control.run_started_ns.load());
    }
    return runtime;
}

} // namespace throttlelab
