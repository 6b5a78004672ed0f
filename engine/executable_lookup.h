#pragma once
// Where ThrottleLab's own executables are: next to the running program first (where the build
// and an install put them), then on PATH.
#include <QString>

namespace throttlelab {

// The full path of a ThrottleLab executable, or empty when it cannot be found. An explicit
// `override_path` wins; then the environment variable THROTTLELAB_BIN_DIR.
QString findExecutable(const QString& program, const QString& override_path = {});

} // namespace throttlelab
