#pragma once
// Starting and ending the real processes ThrottleLab runs: the throttle and monitor helpers
// and worker processes. Executables are found next to the running program first (where the
// build and an install put them), then on PATH.
#include <QProcess>
#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

namespace throttlelab {

// The full path of a ThrottleLab executable, or empty when it cannot be found. An explicit
// `override_path` wins; then the environment variable THROTTLELAB_BIN_DIR.
QString findExecutable(const QString& program, const QString& override_path = {});

class ChildProcess {
public:
    ChildProcess() = default;
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Starts `program` and waits until it runs; the error says why not.
    bool start(const QString& program, const QStringList& args, QString* error);
    bool running();
    qint64 pid() const;
    // Waits up to `grace_ms` for it to exit by itself, then kills it; always reaps it.
    void finish(int grace_ms);
    void kill();
    int exitCode() const;
    bool crashed() const;

private:
    std::unique_ptr<QProcess> process_;
};

// Ends many children together: waits up to `grace_ms` in all for them to exit by themselves
// (each sees the kill flag at the same moment), then kills the rest at once and reaps them.
// So stopping N busy children costs one grace period, not N.
void finishAll(const std::vector<ChildProcess*>& children, int grace_ms);

} // namespace throttlelab
