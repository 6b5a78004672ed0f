#pragma once
// A `--screenshot` / `--quit-after` run: it sets the window up for a picture (a 10 s chart
// window, a quick calibration sweep or a short demo job for those views), waits for the
// sweep or job to end (within a minute), saves the PNG and quits with 0, or 1 when the file
// cannot be written. The README's screenshots are made this way; the window knows nothing
// of it.
#include "command_line.h"

#include <QObject>
#include <QTemporaryDir>
#include <memory>

namespace throttlelab::ui {

class MainWindow;

class ScreenshotRun : public QObject {
    Q_OBJECT
public:
    ScreenshotRun(MainWindow* window, const LaunchOptions& options);
    // Whether the options ask for such a run at all.
    static bool wanted(const LaunchOptions& options);

private:
    void startJobDemo();
    void finish();

    MainWindow* window_;
    LaunchOptions options_;
    std::unique_ptr<QTemporaryDir> demo_dir_; // the demo job's stash: gone with the run
    int waits_ = 0;
};

} // namespace throttlelab::ui
