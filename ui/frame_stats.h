#pragma once
// Durations of the chart refresh, to check that a frame stays cheap at any rate.
#include <QString>
#include <cstdint>
#include <vector>

namespace throttlelab::ui {

class FrameStats {
public:
    void add(std::int64_t ns) { samples_.push_back(ns); }
    std::size_t count() const { return samples_.size(); }
    // q in [0, 1]; 0 when empty.
    double quantileMs(double q) const;
    double maxMs() const;
    // "frames N, median X ms, p99 Y ms, max Z ms"
    QString summary() const;

private:
    std::vector<std::int64_t> samples_;
};

} // namespace throttlelab::ui
