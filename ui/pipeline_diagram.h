#pragma once
// The pipeline drawn left to right: the items, each stage as a box (its name, workers, what it
// did and how fast against its limit), and before each stage its queue as a bar that fills
// and empties live. The stage holding the others back is outlined in orange. Painted by hand:
// it is a picture of a flow, not a chart.
#include "pipeline_runner.h"

#include <QWidget>

namespace throttlelab::ui {

class PipelineDiagram : public QWidget {
    Q_OBJECT
public:
    explicit PipelineDiagram(QWidget* parent = nullptr);
    void setProgress(const pipeline::PipelineProgress& progress);
    const pipeline::PipelineProgress& progress() const { return progress_; }
    QSize sizeHint() const override { return {760, 180}; }
    QSize minimumSizeHint() const override { return {420, 150}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    pipeline::PipelineProgress progress_;
};

} // namespace throttlelab::ui
