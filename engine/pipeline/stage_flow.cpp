#include "stage_flow.h"

#include <algorithm>

namespace throttlelab::pipeline {

int startable(const std::vector<StageLoad>& stages, int i) {
    const StageLoad& s = stages[std::size_t(i)];
    int n = std::min(s.workers - s.busy, s.waiting);
    if (!s.last && std::size_t(i) + 1 < stages.size()) {
        const StageLoad& next = stages[std::size_t(i) + 1];
        n = std::min(n, next.capacity - next.waiting - s.busy);
    }
    return std::max(0, n);
}

int bottleneck(const std::vector<StageLoad>& stages) {
    for (std::size_t i = 0; i < stages.size(); ++i) {
        const StageLoad& s = stages[i];
        if (s.waiting < s.capacity || s.busy < s.workers) continue;
        const bool output_empty = s.last || i + 1 == stages.size() || stages[i + 1].waiting == 0;
        if (output_empty) return int(i);
    }
    return -1;
}

} // namespace throttlelab::pipeline
