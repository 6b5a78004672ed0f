#include "last_error.h"

#include "one_line.h"
#include "throttlelab.h"

#include <QByteArray>

namespace throttlelab::capi {

namespace {

struct LastError {
    int status = TL_OK;
    QByteArray message;
};

LastError& current() {
    static thread_local LastError error;
    return error;
}

} // namespace

int fail(int status, const QString& message) {
    current().status = status;
    current().message = oneLine(message).toUtf8();
    return status;
}

int fail(int status, const char* message) {
    return fail(status, QString::fromUtf8(message));
}

void clearError() {
    current().status = TL_OK;
    current().message.clear();
}

const char* lastError() {
    return current().message.constData();
}

int lastStatus() {
    return current().status;
}

} // namespace throttlelab::capi
