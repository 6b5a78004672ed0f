#include "calibration_runner.h"

#include "calibration.h"
#include "rate_probe.h"

#include <QMetaObject>
#include <QPointer>
#include <cmath>

namespace throttlelab::ui {

CalibrationRunner::CalibrationRunner(QObject* parent)
    : QObject(parent) {
    qRegisterMetaType<CalibrationPoint>();
}

CalibrationRunner::~CalibrationRunner() {
    cancel();
    if (thread_.joinable()) thread_.join();
}

void CalibrationRunner::cancel() {
    cancel_ = true;
}

void CalibrationRunner::start(const QList<double>& rates, double seconds) {
    if (running_) return;
    if (thread_.joinable()) thread_.join();
    cancel_ = false;
    running_ = true;
    thread_ = std::thread([this, rates, seconds] {
        // Queued calls into this object: the thread never touches GUI state directly.
        auto post = [this](auto f) { QMetaObject::invokeMethod(this, f, Qt::QueuedConnection); };
        const int steps = int(rates.size()) * 2;
        int done = 0;
        for (double rate : rates) {
            if (cancel_) break;
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
                req,
                [this, post, base, steps](double f) {
                    post([this, v = base + f / steps] { Q_EMIT progress(v); });
                },
                &cancel_);
            ++done;
            if (!c.error.isEmpty()) p.error = c.error;
            p.classic_uncorrected = c.uncorrected_rate;
            p.classic_corrected = c.corrected_rate;
            p.correction = c.correction;
            if (cancel_) break;
            ThrottleConfig exact;
            exact.max_n = max_n;
            exact.per = per;
            exact.mode = PacingMode::Exact;
            const RateProbeResult e = probeRate(exact, seconds, 2, &cancel_);
            ++done;
            if (!e.error.isEmpty() && p.error.isEmpty()) p.error = e.error;
            p.exact = e.achieved_rate;
            post([this, p, v = double(done) / steps] {
                Q_EMIT pointReady(p);
                Q_EMIT progress(v);
            });
        }
        post([this] {
            running_ = false;
            Q_EMIT finished(cancel_.load());
        });
    });
}

} // namespace throttlelab::ui
