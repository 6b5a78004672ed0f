#include "screenshot_run.h"

#include "calibration_view.h"
#include "chart_panel.h"
#include "compare_view.h"
#include "job_inputs.h"
#include "jobs_view.h"
#include "main_window.h"
#include "pipeline_view.h"

#include <QCoreApplication>
#include <QTimer>
#include <cstdio>

namespace throttlelab::ui {

namespace {
constexpr int kWaitStepMs = 500;
constexpr int kMostWaits = 120; // a minute for the sweep or the job
} // namespace

bool ScreenshotRun::wanted(const LaunchOptions& options) {
    return !options.screenshot.isEmpty() || options.quit_after_s > 0;
}

ScreenshotRun::ScreenshotRun(MainWindow* window, const LaunchOptions& options)
    : QObject(window)
    , window_(window)
    , options_(options) {
    const bool picture = !options.screenshot.isEmpty();
    if (picture && options.quit_after_s < 30) window->chartPanel()->setWindowSeconds(10);
    if (picture && options.view == QLatin1String("calibration")) {
        window->calibrationView()->setSecondsPerPoint(0.5);
        QTimer::singleShot(200, window->calibrationView(), &CalibrationView::run);
    }
    if (picture && options.view == QLatin1String("compare"))
        QTimer::singleShot(200, window->compareView(), &CompareView::startBoth);
    if (picture && options.view == QLatin1String("pipeline"))
        QTimer::singleShot(200, window->pipelineView(), [window] {
            window->pipelineView()->openDemo();
            window->pipelineView()->startPipeline();
        });
    if (picture && options.view == QLatin1String("jobs"))
        QTimer::singleShot(200, this, &ScreenshotRun::startJobDemo);
    if (options.quit_after_s > 0)
        QTimer::singleShot(int(options.quit_after_s * 1000), this, &ScreenshotRun::finish);
}

void ScreenshotRun::startJobDemo() {
    // A short synthetic job: a few failures, the throughput climbing to its limit.
    demo_dir_ = std::make_unique<QTemporaryDir>();
    JobInputs demo;
    demo.request.range = QStringLiteral("600");
    demo.request.synthetic = QStringLiteral("exp:8ms");
    demo.request.fail_rate = 0.01;
    demo.request.stash_path = demo_dir_->filePath(QStringLiteral("demo.db"));
    demo.request.workers = QStringLiteral("4");
    demo.request.chunk_size = 25;
    demo.limit = JobLimit::Own;
    demo.max_n = 200;
    demo.per = 1.0;
    window_->jobsView()->setInputs(demo);
    if (const QString e = window_->jobsView()->startJob(); !e.isEmpty())
        std::fprintf(stderr, "throttlelab: demo job: %s\n", qPrintable(e));
}

void ScreenshotRun::finish() {
    const bool busy = window_->calibrationView()->isRunning() || window_->jobsView()->isRunning();
    if (busy && waits_++ < kMostWaits) {
        QTimer::singleShot(kWaitStepMs, this, &ScreenshotRun::finish);
        return;
    }
    int code = 0;
    if (!options_.screenshot.isEmpty()) {
        if (window_->takeScreenshot(options_.screenshot)) {
            std::fprintf(stderr, "throttlelab: saved %s\n", qPrintable(options_.screenshot));
        } else {
            std::fprintf(stderr, "throttlelab: cannot write screenshot '%s'\n",
                         qPrintable(options_.screenshot));
            code = 1;
        }
    }
    window_->close();
    QCoreApplication::exit(code);
}

} // namespace throttlelab::ui
