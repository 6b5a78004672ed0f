#pragma once
// Why the last call into the C interface failed, kept per thread (like errno), so a caller
// in any language reads one line after a negative status without passing buffers around.
#include <QString>

namespace throttlelab::capi {

// Records `status` (a TL_ERR_*) and its line, and returns the status for `return fail(...)`.
int fail(int status, const QString& message);
int fail(int status, const char* message);
void clearError();
const char* lastError(); // "" after a call that succeeded
int lastStatus();        // TL_OK after a call that succeeded

} // namespace throttlelab::capi
