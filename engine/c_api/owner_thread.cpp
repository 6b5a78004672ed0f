#include "owner_thread.h"

#include <clocale>

#include <QCoreApplication>
#include <QMetaObject>
#include <QTimer>

namespace throttlelab {

namespace {

// How often the owner thread looks for a kill flag set by another process (a worker's
// kill_flag.set(), throttlectl stop): it then stops the run, as the owner would have.
constexpr int kKillWatchMs = 20;

// Qt's event loops refuse to run without an application object, and a program loading this
// library (python3) has none: one is made, in the calling thread, the first time, and kept
// for the life of the process. Its constructor sets the C locale from the environment, which
// would change how the host program formats numbers; the host's locale is put back.
void ensureApplication() {
    if (QCoreApplication::instance()) return;
    static int argc = 1;
    static char name[] = "throttlelab";
    static char* argv[] = {name, nullptr};
    const QByteArray locale = std::setlocale(LC_ALL, nullptr);
    // Never deleted: it must outlive every owner thread. Held by a static, so it is reachable
    // memory, not a leak, to a leak checker.
    static QCoreApplication* const application = new QCoreApplication(argc, argv);
    (void)application;
    std::setlocale(LC_ALL, locale.constData());
}

} // namespace

OwnerThread::OwnerThread(const ThrottleOptions& options) {
    ensureApplication();
    thread_.setObjectName(QStringLiteral("throttlelab-owner"));
    context_ = new QObject;
    context_->moveToThread(&thread_);
    thread_.start();
    QMetaObject::invokeMethod(
        context_,
        [this, options] {
            throttle_ = new Throttle(options, context_);
            auto* watch = new QTimer(context_);
            QObject::connect(watch, &QTimer::timeout, throttle_, [t = throttle_] {
                // The helpers end at the kill flag by themselves: without this they would be
                // restarted as if they had died, and stop() would find nothing to stop.
                if (t->state() == Throttle::State::Running && t->client().killed()) t->beginStop();
            });
            watch->start(kKillWatchMs);
        },
        Qt::BlockingQueuedConnection);
}

OwnerThread::~OwnerThread() {
    QMetaObject::invokeMethod(
        context_,
        [this] {
            throttle_->stop();
            delete context_; // and the Throttle and the watch with it, on their own thread
            context_ = nullptr;
            throttle_ = nullptr;
        },
        Qt::BlockingQueuedConnection);
    thread_.quit();
    thread_.wait();
}

void OwnerThread::call(const std::function<void(Throttle&)>& work) {
    if (!throttle_) return;
    QMetaObject::invokeMethod(
        context_, [this, &work] { work(*throttle_); }, Qt::BlockingQueuedConnection);
}

} // namespace throttlelab
