#pragma once
// Calibration of classic mode: how far the sleep loop falls behind its target, measured on
// the real throttle process, and the correction that brings it back. It returns what it
// measured, not only the factor.
#include <QString>
#include <atomic>
#include <functional>

namespace throttlelab {

using CalibrationProgress = std::function<void(double fraction)>;

struct CalibrationRequest {
    long long max_n = 1;
    double per = 1.0;
    double duration_s = 1.0; // measuring time in all, split over the rounds (after warm-up)
    int rounds = 4;    // the first without correction, each next refining it, the last verifying
    int consumers = 4; // worker processes that take the permits (the bench runs 4)
    QString helper_path;
};

struct CalibrationResult {
    QString error; // empty on success
    double target_rate = 0;
    double requested_interval_s = 0;
    double uncorrected_rate = 0; // achieved with correction 0
    double uncorrected_interval_s = 0;
    double reference_correction = 0; // mp_throttle's formula: 1 - achieved/target
    double correction = 0;           // what ThrottleLab sets
    double corrected_rate = 0;       // achieved in the last round, with the correction
    double corrected_interval_s = 0;
    // A measurement is trusted when its two halves agree within kCalibrationAgreement (the
    // machine was steady while it ran) and the corrected loop lands within it of the target.
    // Otherwise `doubt` says what went wrong, e.g. "the two halves of round 2 differ by 3.1%".
    bool trusted = true;
    QString doubt;
};

constexpr double kCalibrationAgreement = 0.01;

// Whether two measurements of one interval agree within kCalibrationAgreement. Pure.
bool measurementsAgree(double a_s, double b_s);

// The next correction from one round: the loop's interval is sleep + overhead, with sleep =
// T * (1 - c); the overhead is taken as fixed, so the new c makes sleep + overhead = T.
// Pure, so the rule is tested without any process.
double nextCorrection(double current, double target_interval_s, double achieved_interval_s);

// Blocks for about duration_s; call it off the GUI thread. `cancel` may stop it early.
CalibrationResult calibrate(const CalibrationRequest& request,
                            const CalibrationProgress& progress = {},
                            const std::atomic<bool>* cancel = nullptr);

} // namespace throttlelab
