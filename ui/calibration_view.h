#pragma once
// Calibration made visible: achieved/target over a sweep of rates, for classic mode without
// and with its calibrated correction and for exact mode, and a button that applies the
// measured correction to the running throttle.
#include "calibration_runner.h"

#include <QList>
#include <QWidget>

class QLineEdit;
class QPushButton;
class QProgressBar;
class QLabel;
class QDoubleSpinBox;
class QTableWidget;

namespace throttlelab::ui {

class EngineSession;
class LineChart;

class CalibrationView : public QWidget {
    Q_OBJECT
public:
    explicit CalibrationView(EngineSession* session, QWidget* parent = nullptr);

    void run();
    void setRates(const QList<double>& rates);
    void setSecondsPerPoint(double seconds);
    bool isRunning() const { return runner_.isRunning(); }
    const QList<CalibrationPoint>& points() const { return points_; }
    // The correction Apply would set: measured at the sweep rate nearest the current target.
    double suggestedCorrection(double* at_rate = nullptr) const;
    QString applyCorrection();
    // Where the sweep's points arrive: plotted, tabled (an untrusted one flagged) and weighed
    // for Apply. Public so a test can give points of its own.
    void addPoint(const CalibrationPoint& p);

Q_SIGNALS:
    void logged(const QString& line);
    void sweepFinished();

private:
    void updateApply();
    QList<double> parseRates(QString* error) const;

    EngineSession* session_;
    bool resume_after_sweep_ = false; // the live experiment was paused for the sweep
    CalibrationRunner runner_;
    QList<CalibrationPoint> points_;
    QLineEdit* rates_;
    QDoubleSpinBox* seconds_;
    QPushButton* run_;
    QPushButton* cancel_;
    QPushButton* apply_;
    QProgressBar* progress_;
    QLabel* apply_label_;
    QTableWidget* table_;
    LineChart* chart_;
    int classic0_ = 0, classic_cal_ = 0, exact_ = 0, ideal_ = 0;
};

} // namespace throttlelab::ui
