#include "frame_stats.h"

#include <algorithm>
#include <cmath>

namespace throttlelab::ui {

double FrameStats::quantileMs(double q) const {
    if (samples_.empty()) return 0;
    std::vector<std::int64_t> s = samples_;
    const std::size_t i =
        std::min(s.size() - 1, std::size_t(std::ceil(q * double(s.size()))) - (q > 0 ? 1 : 0));
    std::nth_element(s.begin(), s.begin() + std::ptrdiff_t(i), s.end());
    return double(s[i]) / 1e6;
}

double FrameStats::maxMs() const {
    return samples_.empty() ? 0 : double(*std::max_element(samples_.begin(), samples_.end())) / 1e6;
}

QString FrameStats::summary() const {
    return QStringLiteral("frames %1, median %2 ms, p99 %3 ms, max %4 ms")
        .arg(count())
        .arg(quantileMs(0.5), 0, 'f', 2)
        .arg(quantileMs(0.99), 0, 'f', 2)
        .arg(maxMs(), 0, 'f', 2);
}

} // namespace throttlelab::ui
