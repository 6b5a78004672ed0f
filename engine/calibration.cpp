#include "calibration.h"

#include "throttle.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <unistd.h>

namespace throttlelab {

double nextCorrection(double current, double target_interval_s, double achieved_interval_s) {
    if (!(target_interval_s > 0) || !(achieved_interval_s > 0)) return current;
    const double c = current + (achieved_interval_s - target_interval_s) / target_interval_s;
    return std::clamp(c, 0.0, 0.99);
}

CalibrationResult calibrate(const CalibrationRequest& req, const CalibrationProgress& progress,
                            const std::atomic<bool>* cancel) {
    CalibrationResult r;
    static std::atomic<int> counter{0};
    ThrottleOptions o;
    o.name = QStringLiteral("calibration-%1-%2").arg(getpid()).arg(counter.fetch_add(1));
    o.config.max_n = req.max_n;
    o.config.per = req.per;
    o.config.mode = PacingMode::Classic;
    o.config.hardcap = Hardcap::None; // count every token the loop makes
    o.config.correction = 0;
    o.as_monitor = false;
    o.auto_calibrate = false;
    o.helper_path = req.helper_path;
    r.target_rate = o.config.targetRate();
    r.requested_interval_s = r.target_rate > 0 ? 1.0 / r.target_rate : 0;
    if (QString e = validateOptions(o); !e.isEmpty()) {
        r.error = e;
        return r;
    }
    Throttle throttle(o);
    if (QString e = throttle.start(); !e.isEmpty()) {
        r.error = e;
        return r;
    }
    const int rounds = std::max(1, req.rounds);
    const auto slice = std::chrono::duration<double>(std::max(0.05, req.duration_s) / rounds);
    shm::Pacing& pacing = throttle.client().data().pacing;
    double correction = 0;
    for (int round = 0; round < rounds; ++round) {
        if (cancel && cancel->load()) {
            r.error = QStringLiteral("calibration cancelled");
            break;
        }
        const std::uint64_t produced0 = pacing.produced.load();
        const Nanos t0 = monotonicNow();
        std::this_thread::sleep_for(slice);
        const std::uint64_t produced1 = pacing.produced.load();
        const double seconds = toSeconds(monotonicNow() - t0);
        const double rate = double(produced1 - produced0) / seconds;
        const double interval = rate > 0 ? 1.0 / rate : seconds;
        if (round == 0) {
            r.uncorrected_rate = rate;
            r.uncorrected_interval_s = interval;
            r.reference_correction = std::clamp(1.0 - rate / r.target_rate, 0.0, 0.99);
        }
        r.corrected_rate = rate;
        r.corrected_interval_s = interval;
        if (round + 1 < rounds) {
            correction = nextCorrection(correction, r.requested_interval_s, interval);
            ThrottleConfig c = throttle.config();
            c.correction = correction;
            throttle.setConfig(c);
        }
        if (progress) progress(double(round + 1) / rounds);
    }
    r.correction = correction;
    throttle.stop();
    return r;
}

} // namespace throttlelab
