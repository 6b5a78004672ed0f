#pragma once
// Samples of one plotted quantity, kept in a fixed ring so a ten-minute window at 100 Hz costs
// no allocation per sample, and reduced to what a plot of a given width can show. Pure logic.
#include <QList>
#include <QPointF>
#include <cstddef>
#include <vector>

namespace throttlelab::ui {

class SeriesBuffer {
public:
    explicit SeriesBuffer(std::size_t capacity = 65536);

    // x must not decrease: lookups by x use binary search.
    void append(double x, double y);
    void clear();
    std::size_t size() const { return size_; }
    std::size_t capacity() const { return data_.size(); }
    // Oldest first.
    QPointF at(std::size_t i) const;
    bool empty() const { return size_ == 0; }

    // The points in [x0, x1], plus the neighbour on each side so the line reaches the edges,
    // reduced to the min and max of each of `columns` columns (in x order): spikes stay
    // visible however many samples fall in one pixel. Sets *y_max (if given) to
    // the largest y returned, or 0 when nothing is.
    QList<QPointF> decimated(double x0, double x1, int columns, double* y_max = nullptr) const;

private:
    std::size_t lowerBound(double x) const;
    std::vector<QPointF> data_;
    std::size_t head_ = 0; // index of the oldest sample
    std::size_t size_ = 0;
};

} // namespace throttlelab::ui
