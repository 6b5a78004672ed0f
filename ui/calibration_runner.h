#pragma once
// Runs the calibration sweep on a pool thread (calibrate() and probeRate() block for seconds
// each) with QtConcurrent; its QPromise carries the points and the progress back, and a
// QFutureWatcher turns them into signals on the GUI thread.
#include <QFutureWatcher>
#include <QList>
#include <QObject>
#include <QString>
#include <atomic>

namespace throttlelab::ui {

struct CalibrationPoint {
    double target_rate = 0;
    double classic_uncorrected = 0; // achieved/s, classic mode, correction 0
    double classic_corrected = 0;   // achieved/s, classic mode, calibrated correction
    double correction = 0;          // the calibrated correction at this rate
    double exact = 0;               // achieved/s, exact mode
    QString error;
    // Calibration's own verdict (CalibrationResult::trusted): a point measured while the
    // machine was busy, or whose correction missed, is shown flagged and never applied.
    bool trusted = true;
    QString doubt;
};

class CalibrationRunner : public QObject {
    Q_OBJECT
public:
    explicit CalibrationRunner(QObject* parent = nullptr);
    ~CalibrationRunner() override; // cancels and waits for the sweep to end

    // Ignored while a sweep runs. `seconds` is the measuring time of each measurement.
    void start(const QList<double>& rates, double seconds);
    void cancel();
    bool isRunning() const { return running_; }

Q_SIGNALS:
    void progress(double fraction);
    void pointReady(const throttlelab::ui::CalibrationPoint& point);
    void finished(bool cancelled);

private:
    QFutureWatcher<CalibrationPoint> watcher_;
    // calibrate() and probeRate() check it between rounds (the future's own flag is not
    // theirs to see).
    std::atomic<bool> cancel_{false};
    bool running_ = false;
};

} // namespace throttlelab::ui

Q_DECLARE_METATYPE(throttlelab::ui::CalibrationPoint)
