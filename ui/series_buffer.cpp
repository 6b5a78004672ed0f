#include "series_buffer.h"

#include <algorithm>
#include <cmath>

namespace throttlelab::ui {

SeriesBuffer::SeriesBuffer(std::size_t capacity)
    : data_(std::max<std::size_t>(capacity, 2)) {}

void SeriesBuffer::append(double x, double y) {
    if (size_ < data_.size()) {
        data_[(head_ + size_) % data_.size()] = QPointF(x, y);
        ++size_;
    } else {
        data_[head_] = QPointF(x, y);
        head_ = (head_ + 1) % data_.size();
    }
}

void SeriesBuffer::clear() {
    head_ = 0;
    size_ = 0;
}

QPointF SeriesBuffer::at(std::size_t i) const {
    return data_[(head_ + i) % data_.size()];
}

std::size_t SeriesBuffer::lowerBound(double x) const {
    std::size_t lo = 0, hi = size_;
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (at(mid).x() < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

QList<QPointF> SeriesBuffer::decimated(double x0, double x1, int columns, double* y_max) const {
    QList<QPointF> out;
    double top = 0;
    bool any = false;
    auto emitPoint = [&](const QPointF& p) {
        out.append(p);
        top = any ? std::max(top, p.y()) : p.y();
        any = true;
    };
    if (size_ == 0 || !(x1 > x0) || columns <= 0) {
        if (y_max) *y_max = 0;
        return out;
    }
    std::size_t first = lowerBound(x0);
    if (first > 0) --first;
    std::size_t last = lowerBound(x1);
    while (last < size_ && at(last).x() <= x1)
        ++last;
    if (last < size_) ++last; // the right-hand neighbour
    const std::size_t count = last - first;
    if (count <= std::size_t(columns) * 2) {
        out.reserve(qsizetype(count));
        for (std::size_t i = first; i < last; ++i)
            emitPoint(at(i));
    } else {
        out.reserve(columns * 2 + 4);
        const double scale = double(columns) / (x1 - x0);
        auto columnOf = [&](double x) {
            return std::clamp(int(std::floor((x - x0) * scale)), -1, columns);
        };
        std::size_t i = first;
        while (i < last) {
            const int column = columnOf(at(i).x());
            // One column's extremes, written in x order, so the line still passes both.
            std::size_t lo_i = i, hi_i = i, j = i;
            for (; j < last && columnOf(at(j).x()) == column; ++j) {
                if (at(j).y() < at(lo_i).y()) lo_i = j;
                if (at(j).y() > at(hi_i).y()) hi_i = j;
            }
            const std::size_t picks[2] = {std::min(lo_i, hi_i), std::max(lo_i, hi_i)};
            std::size_t prev = last; // not an index: nothing emitted yet in this column
            for (std::size_t p : picks) {
                if (p == prev) continue;
                emitPoint(at(p));
                prev = p;
            }
            i = j;
        }
    }
    if (y_max) *y_max = any ? top : 0;
    return out;
}

} // namespace throttlelab::ui
