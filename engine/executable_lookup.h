#pragma once
// Where ThrottleLab's own executables are: next to the running program first (where the build
// puts them all), then the install's helpers folder relative to it, then on PATH.
#include <QString>

namespace throttlelab {

// The full path of a ThrottleLab executable, or empty when it cannot be found. An explicit
// `override_path` wins; then the environment variable THROTTLELAB_BIN_DIR.
// Then the folders added here (a library loaded into another program adds its own, since that
// program's folder is not ThrottleLab's), then the running program's folder, then the
// install's other folder relative to it (bin <-> libexec/throttlelab), then PATH.
QString findExecutable(const QString& program, const QString& override_path = {});
void addExecutableDirectory(const QString& dir);

} // namespace throttlelab
