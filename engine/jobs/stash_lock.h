#pragma once
// One run per stash at a time, however its path is spelled: the lock (a QLockFile, taken over
// when its run is dead) is named after the stash's resolved path, symlinks followed, so
// `job.db` and a link to it share one lock. A folder stash keeps it inside the folder, an SQLite
// stash beside the file (PATH.lock). It is taken before the stash is opened, so a second run
// never writes to a stash in use, not even to create its schema.
#include "stash.h"

#include <QLockFile>
#include <QString>
#include <memory>

namespace throttlelab::jobs {

struct StashLockFailure {
    QString message;
    // True for the user's choice (a path that cannot exist, a stash in use); false when the
    // machine refused (a read-only or full filesystem, no permission).
    bool bad_input = true;
};

std::unique_ptr<QLockFile> lockStash(const QString& path, StashFormat format,
                                     StashLockFailure* failure);

} // namespace throttlelab::jobs
