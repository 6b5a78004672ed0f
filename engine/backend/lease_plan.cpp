#include "lease_plan.h"

#include <algorithm>
#include <cmath>

namespace throttlelab::backend {

long long leaseCap(double interval_ns, Nanos horizon) {
    if (!(interval_ns > 0)) return 1;
    const double n = std::floor(double(horizon) / interval_ns);
    return std::clamp<long long>((long long)std::min(n, 1e9), 1, 1'000'000'000);
}

LeaseSizer::LeaseSizer(long long cap)
    : cap_(std::max<long long>(1, cap)) {}

void LeaseSizer::setCap(long long cap) {
    cap_ = std::max<long long>(1, cap);
    size_ = std::min(size_, cap_);
}

long long LeaseSizer::next(long long waiting) const {
    return std::clamp(std::max(size_, waiting), 1LL, cap_);
}

void LeaseSizer::consumed() {
    size_ = std::min(cap_, size_ * 2);
}

void LeaseSizer::returned(long long count) {
    if (count > 0) size_ = std::max(1LL, size_ / 2);
}

long long LeaseSchedule::dueBy(Nanos now) const {
    const double since = double(now - received_ns) - first_due_ns;
    if (since < 0) return 0;
    if (!(interval_ns > 0)) return count;
    const double n = std::floor(since / interval_ns) + 1;
    return std::min<long long>(count, (long long)std::min(n, 9e18));
}

Nanos LeaseSchedule::nextDue() const {
    if (done()) return -1;
    return received_ns + Nanos(std::ceil(first_due_ns + double(released) * interval_ns));
}

long long fairShare(long long max_n, int machines) {
    if (machines <= 1) return std::max<long long>(1, max_n);
    return std::max<long long>(1, max_n / machines);
}

} // namespace throttlelab::backend
