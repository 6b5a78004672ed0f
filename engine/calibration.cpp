#include "calibration.h"
#include "segment_access.h"

#include "counter_rate.h"
#include "executable_lookup.h"
#include "process_supervisor.h"
#include "throttle.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>
#include <unistd.h>
#include <vector>

namespace throttlelab {

namespace {

// The loop's real interval over at least 4 intervals (watched from its first to last token, so
// exact at low rates too).
double measureInterval(const shm::Pacing& pacing, double seconds, double target_interval) {
    const CounterRate r = watchCounter([&] { return pacing.produced.load(); },
                                       std::max(seconds, 4.5 * target_interval));
    if (r.events == 0) return seconds; // not even two tokens: far slower than asked
    return r.seconds / double(r.events);
}

// Time for the consumers to attach and the loop to settle (its first tokens come while the
// processes still start): measured and thrown away.
constexpr double kWarmUpSeconds = 0.2;

// One round's interval: measured in two halves, and in a third when they disagree (a noisy
// neighbour ran during one). `agreed` is false when no two of them agree.
struct SteadyInterval {
    double interval_s = 0;
    double spread = 0; // relative difference of the two closest measurements
    bool agreed = false;
};

SteadyInterval measureSteadily(const shm::Pacing& pacing, double seconds, double target_interval,
                               const std::atomic<bool>* cancel) {
    std::vector<double> parts;
    for (int i = 0; i < 3; ++i) {
        if (cancel && cancel->load()) break;
        parts.push_back(measureInterval(pacing, seconds / 2, target_interval));
        if (parts.size() == 2 && measurementsAgree(parts[0], parts[1])) break;
    }
    SteadyInterval r;
    if (parts.empty()) return r;
    if (parts.size() == 1) {
        r.interval_s = parts[0];
        return r;
    }
    std::sort(parts.begin(), parts.end());
    // The two closest of them.
    std::size_t best = 0;
    for (std::size_t i = 1; i + 1 < parts.size(); ++i)
        if (parts[i + 1] - parts[i] < parts[best + 1] - parts[best]) best = i;
    r.interval_s = (parts[best] + parts[best + 1]) / 2;
    r.spread = r.interval_s > 0 ? (parts[best + 1] - parts[best]) / r.interval_s : 0;
    r.agreed = measurementsAgree(parts[best], parts[best + 1]);
    return r;
}

QString percent(double fraction) {
    return QString::number(fraction * 100, 'f', 1) + u'%';
}

} // namespace

bool measurementsAgree(double a_s, double b_s) {
    if (!(a_s > 0) || !(b_s > 0)) return false;
    return std::abs(a_s - b_s) <= kCalibrationAgreement * (a_s + b_s) / 2;
}

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
    // Worker processes drain the tank: the loop is measured under the load it will run under
    // (each token wakes another process). The reference used cpu_count dummy consumers too.
    ProcessSupervisor consumers;
    const QString worker = findExecutable(QStringLiteral("throttle-worker"));
    for (int i = 0; i < req.consumers && !worker.isEmpty(); ++i)
        consumers.launch(ProcessSpec::of(QStringLiteral("consumer"), worker,
                                         {QStringLiteral("--name"), o.name}));
    std::this_thread::sleep_for(std::chrono::milliseconds(100)); // attached and waiting
    measureInterval(segmentOf(throttle.client()).pacing, kWarmUpSeconds, 0);
    const int rounds = std::max(2, req.rounds);
    const auto slice = std::chrono::duration<double>(std::max(0.05, req.duration_s) / rounds);
    const shm::Segment& segment = segmentOf(throttle.client());
    double correction = 0;
    // Each round estimates the loop's own overhead per token (interval minus sleep); the
    // median of the estimates is robust to a round that a noisy neighbour slowed down.
    std::vector<double> overheads;
    for (int round = 0; round < rounds; ++round) {
        if (cancel && cancel->load()) {
            r.error = QStringLiteral("calibration cancelled");
            break;
        }
        const SteadyInterval steady =
            measureSteadily(segment.pacing, slice.count(), r.requested_interval_s, cancel);
        if (!steady.agreed && r.trusted && !(cancel && cancel->load())) {
            r.trusted = false;
            r.doubt = QStringLiteral("the halves of round %1 differ by %2: the machine was busy")
                          .arg(round + 1)
                          .arg(percent(steady.spread));
        }
        const double interval = steady.interval_s;
        const double rate = interval > 0 ? 1.0 / interval : 0;
        if (round == 0) {
            r.uncorrected_rate = rate;
            r.uncorrected_interval_s = interval;
            r.reference_correction = std::clamp(1.0 - rate / r.target_rate, 0.0, 0.99);
        }
        r.corrected_rate = rate;
        r.corrected_interval_s = interval;
        if (round + 1 < rounds) { // the last round only verifies
            overheads.push_back(interval - r.requested_interval_s * (1.0 - correction));
            std::vector<double> sorted = overheads;
            std::sort(sorted.begin(), sorted.end());
            const double median = sorted[sorted.size() / 2];
            correction =
                nextCorrection(0.0, r.requested_interval_s, r.requested_interval_s + median);
            ThrottleConfig c = throttle.config();
            c.correction = correction;
            throttle.setConfig(c);
        }
        if (progress) progress(double(round + 1) / rounds);
    }
    throttle.setKillFlag();
    consumers.endAll(std::chrono::seconds(1));
    consumers.waitForAllExited(std::chrono::seconds(2));
    r.correction = correction;
    if (r.error.isEmpty() && r.trusted && r.target_rate > 0 &&
        std::abs(r.corrected_rate / r.target_rate - 1) > kCalibrationAgreement) {
        r.trusted = false;
        r.doubt = QStringLiteral("corrected, the loop still ran %1 off the target")
                      .arg(percent(std::abs(r.corrected_rate / r.target_rate - 1)));
    }
    throttle.stop();
    return r;
}

} // namespace throttlelab
