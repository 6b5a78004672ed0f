#include "pipeline_diagram.h"

#include "number_format.h"

#include <QPainter>
#include <QPainterPath>

namespace throttlelab::ui {

namespace {

const QColor kBox(236, 242, 250);
const QColor kBoxEdge(90, 110, 140);
const QColor kBottleneck(230, 120, 20);
const QColor kQueueEmpty(225, 225, 225);
const QColor kQueueFill(31, 119, 180);
const QColor kQueueFull(214, 39, 40);

} // namespace

PipelineDiagram::PipelineDiagram(QWidget* parent)
    : QWidget(parent) {
    setMinimumHeight(150);
}

void PipelineDiagram::setProgress(const pipeline::PipelineProgress& progress) {
    progress_ = progress;
    update();
}

void PipelineDiagram::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const auto& stages = progress_.stages;
    const QFontMetrics fm(font());
    if (stages.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("Open a pipeline file or the demo, then Start."));
        return;
    }
    const int n = int(stages.size());
    const int margin = 8;
    // The items at the left, then per stage its queue's slot and its box.
    const double items_w = 54, queue_slot = 40;
    const double box_w = std::max(40.0, (width() - 2 * margin - items_w - n * queue_slot) / n);
    const int top = margin + fm.height() + 4, box_h = height() - top - margin - fm.height();
    QRectF items(margin, top + box_h / 4.0, items_w - 10, box_h / 2.0);
    p.setPen(kBoxEdge);
    p.setBrush(Qt::white);
    p.drawRoundedRect(items, 4, 4);
    p.drawText(items, Qt::AlignCenter | Qt::TextWordWrap, tr("%1\nkeys").arg(progress_.keys));
    double x = margin + items_w;
    for (int i = 0; i < n; ++i) {
        const pipeline::StageProgress& s = stages[std::size_t(i)];
        // The queue in front of the stage: filled to its share of the capacity.
        const QRectF queue(x + 8, top + box_h / 4.0, queue_slot - 16, box_h / 2.0);
        const double fill = s.capacity > 0 ? std::min(1.0, double(s.queued) / s.capacity) : 0;
        p.setPen(Qt::NoPen);
        p.setBrush(kQueueEmpty);
        p.drawRect(queue);
        p.setBrush(fill >= 1.0 ? kQueueFull : kQueueFill);
        p.drawRect(QRectF(queue.left(), queue.bottom() - queue.height() * fill, queue.width(),
                          queue.height() * fill));
        p.setPen(palette().color(QPalette::WindowText));
        p.drawText(QRectF(x, queue.bottom() + 2, queue_slot, fm.height()), Qt::AlignHCenter,
                   QStringLiteral("%1/%2").arg(s.queued).arg(s.capacity));
        p.setPen(QPen(kBoxEdge, 1.5));
        p.drawLine(QPointF(x, top + box_h / 2.0), QPointF(queue.left() - 1, top + box_h / 2.0));
        p.drawLine(QPointF(queue.right() + 1, top + box_h / 2.0),
                   QPointF(x + queue_slot, top + box_h / 2.0));
        x += queue_slot;
        // The stage, its lines shrunk to fit a narrow box.
        const QRectF box(x, top, box_w - 4, box_h);
        const bool slowest = progress_.bottleneck == i;
        p.setPen(QPen(slowest ? kBottleneck : kBoxEdge, slowest ? 3.5 : 1.5));
        p.setBrush(kBox);
        p.drawRoundedRect(box, 6, 6);
        QString rate = formatRate(s.rate) + QStringLiteral("/s");
        if (s.limit_rate > 0) rate += tr(" of %1").arg(formatRate(s.limit_rate));
        const QStringList lines{s.name, tr("%1/%2 busy").arg(s.in_flight).arg(s.workers),
                                tr("%1 done").arg(s.done + s.already_stored),
                                tr("%1 failed").arg(s.failed), rate};
        QFont f = font();
        int widest = 0;
        for (const QString& line : lines)
            widest = std::max(widest, fm.horizontalAdvance(line));
        if (widest > box.width() - 10)
            f.setPointSizeF(std::max(6.0, f.pointSizeF() * (box.width() - 10) / widest));
        const QFontMetrics small(f);
        double y = box.top() + 6;
        for (int k = 0; k < lines.size(); ++k) {
            QFont line_font = f;
            line_font.setBold(k == 0);
            p.setFont(line_font);
            p.setPen(k == 3 && s.failed > 0 ? QColor(180, 0, 30)
                                            : palette().color(QPalette::WindowText));
            p.drawText(QRectF(box.left() + 4, y, box.width() - 8, small.height()), Qt::AlignHCenter,
                       lines[k]);
            y += small.height() + 2;
        }
        p.setFont(font());
        if (slowest) {
            p.setPen(kBottleneck);
            p.drawText(QRectF(box.left(), box.bottom() + 2, box.width(), fm.height()),
                       Qt::AlignHCenter, tr("bottleneck"));
        }
        x += box_w;
    }
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(QRectF(margin, 0, width() - 2 * margin, fm.height() + 2), Qt::AlignLeft,
               tr("%1 of %2 keys through every stage, %3 failed")
                   .arg(progress_.completed)
                   .arg(progress_.keys)
                   .arg(progress_.failed));
}

} // namespace throttlelab::ui
