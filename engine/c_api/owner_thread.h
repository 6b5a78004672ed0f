#pragma once
// A Throttle owned through the C interface, living on a thread of its own. The calling
// program (Python, C) has no Qt event loop, yet the Throttle's helpers must be watched,
// restarted when they die and ended when asked; so the Throttle and its ProcessSupervisor
// live on a QThread whose event loop does all of that, and every call is carried over to it
// and waited for.
#include "throttle.h"

#include <QThread>
#include <functional>
#include <memory>

namespace throttlelab {

class OwnerThread {
public:
    explicit OwnerThread(const ThrottleOptions& options);
    // Stops the throttle (waiting) and ends the thread.
    ~OwnerThread();
    OwnerThread(const OwnerThread&) = delete;
    OwnerThread& operator=(const OwnerThread&) = delete;

    // Runs `work` on the owner thread with its Throttle and returns once it is done. Blocking
    // calls inside (start, stop, calibrate) run a local event loop there, so the helpers are
    // still watched while they wait.
    void call(const std::function<void(Throttle&)>& work);

private:
    QThread thread_;
    QObject* context_ = nullptr; // lives on thread_; parent of the Throttle
    Throttle* throttle_ = nullptr;
};

} // namespace throttlelab
