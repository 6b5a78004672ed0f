#include "calibration_runner.h"

#include "calibration.h"
#include "rate_probe.h"

#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>
#include <cmath>

namespace throttlelab::ui {

namespace {

constexpr int kProgressSteps = 1000;

// The sweep itself, on a pool thread: one point per rate, each a calibration of classic mode
// and a probe of exact mode.
void sweep(QPromise<CalibrationPoint>& promise, const QList<double>& rates, double seconds,
           std::atomic<bool>* cancel) {
    promise.setProgressRange(0, kProgressSteps);
    const int steps = int(rates.size()) * 2;
    int done = 0;
    auto report = [&](double fraction) {
        promise.setProgressValue(int(std::lround(fraction * kProgressSteps)));
    };
    for (double rate : rates) {
        if (*cancel) break;
        CalibrationPoint p;
        p.target_rate = rate;
        // max_n per 1 s gives the rate; below 1/s, widen `per` instead.
        const long long max_n = std::max<long long>(1, std::llround(rate));
        const double per = double(max_n) / rate;
        CalibrationRequest req;
        req.max_n = max_n;
        req.per = per;
        req.duration_s = seconds * 2;
        const double base = double(done) / steps;
        const CalibrationResult c = calibrate(
            req, [&](double f) { report(base + f / steps); }, cancel);
        ++done;
        if (!c.error.isEmpty()) p.error = c.error;
        p.classic_uncorrected = c.uncorrected_rate;
        p.classic_corrected = c.corrected_rate;
        p.correction = c.correction;
        p.trusted = c.trusted;
        p.doubt = c.doubt;
        if (*cancel) break;
        ThrottleConfig exact;
        exact.max_n = max_n;
        exact.per = per;
        exact.mode = PacingMode::Exact;
        const RateProbeResult e = probeRate(exact, seconds, 2, cancel);
        ++done;
        if (!e.error.isEmpty() && p.error.isEmpty()) p.error = e.error;
        p.exact = e.achieved_rate;
        promise.addResult(p);
        report(double(done) / steps);
    }
}

} // namespace

CalibrationRunner::CalibrationRunner(QObject* parent)
    : QObject(parent) {
    qRegisterMetaType<CalibrationPoint>();
    connect(&watcher_, &QFutureWatcherBase::resultReadyAt, this,
            [this](int index) { Q_EMIT pointReady(watcher_.resultAt(index)); });
    connect(&watcher_, &QFutureWatcherBase::progressValueChanged, this,
            [this](int value) { Q_EMIT progress(double(value) / kProgressSteps); });
    connect(&watcher_, &QFutureWatcherBase::finished, this, [this] {
        running_ = false;
        Q_EMIT finished(cancel_.load());
    });
}

CalibrationRunner::~CalibrationRunner() {
    cancel();
    watcher_.disconnect(this);
    watcher_.waitForFinished();
}

void CalibrationRunner::cancel() {
    cancel_ = true;
}

void CalibrationRunner::start(const QList<double>& rates, double seconds) {
    if (running_) return;
    cancel_ = false;
    running_ = true;
    watcher_.setFuture(QtConcurrent::run(sweep, rates, seconds, &cancel_));
}

} // namespace throttlelab::ui
