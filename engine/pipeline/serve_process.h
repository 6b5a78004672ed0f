#pragma once
// The long-lived process of a serve stage, from the stage worker's side: started once,
// asked one framed record at a time (serve_framing.h), restarted after it dies. It runs in a
// process group of its own that dies with the worker, as a per-item command does.
#include "serve_framing.h"

#include <QByteArray>
#include <QList>
#include <functional>
#include <sys/types.h>

namespace throttlelab::pipeline {

class ServeProcess {
public:
    explicit ServeProcess(QList<QByteArray> argv);
    ~ServeProcess(); // ends its group
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;

    // Sends `request` and waits for the answer, starting the process first when it is not
    // running. Whatever goes wrong (it cannot start, dies, answers garbage, takes longer than
    // `timeout_s` when > 0) is a failed response saying so, and the process is ended, to be
    // started afresh for the next record. `cancel` is polled; when it says stop,
    // `*cancelled` is set and the answer must not be stored.
    ServeResponse ask(const ServeRequest& request, double timeout_s,
                      const std::function<bool()>& cancel, bool* cancelled);
    pid_t group() const { return pid_; }

private:
    bool start(QString* error);
    void end();
    // Why it stopped answering once its output closed: how it exited, if it has.
    QString endedWithoutAnswer();
    QList<QByteArray> argv_;
    pid_t pid_ = 0;
    int to_child_ = -1, from_child_ = -1;
    QByteArray pending_; // read past the last answer's newline
};

} // namespace throttlelab::pipeline
