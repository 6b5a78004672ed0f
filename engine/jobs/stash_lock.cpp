#include "stash_lock.h"

#include "one_line.h"

#include <QDir>
#include <QFileInfo>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace throttlelab::jobs {
namespace {

// Why nothing can be created in `dir`: QLockFile says only "permission" or "unknown".
QString whyNotWritable(const QString& dir) {
    QByteArray probe = QFile::encodeName(dir + QStringLiteral("/.throttlelab-probe-XXXXXX"));
    const int fd = ::mkostemp(probe.data(), O_CLOEXEC);
    if (fd < 0) return QString::fromLocal8Bit(std::strerror(errno));
    ::close(fd);
    ::unlink(probe.constData());
    return QStringLiteral("its lock file cannot be made");
}

} // namespace

std::unique_ptr<QLockFile> lockStash(const QString& path, StashFormat format,
                                     StashLockFailure* failure) {
    const QFileInfo info(path);
    // A path of the other kind is refused here, before a lock could be made beside or in it.
    if (info.exists() && info.isDir() != (format == StashFormat::Directory)) {
        failure->bad_input = true;
        failure->message = format == StashFormat::Directory
                               ? QStringLiteral("'%1' is a file, not a folder").arg(oneLine(path))
                               : QStringLiteral("'%1' is a folder, not a file").arg(oneLine(path));
        return nullptr;
    }
    QString lock_path;
    if (format == StashFormat::Directory) {
        // The folder holds its own lock, so it is made first.
        if (!info.exists() && !QDir().mkpath(path)) {
            const int e = errno;
            failure->bad_input = e == ENOENT || e == ENOTDIR;
            failure->message = QStringLiteral("'%1' cannot be created: %2")
                                   .arg(oneLine(path), QString::fromLocal8Bit(std::strerror(e)));
            return nullptr;
        }
        lock_path = QFileInfo(path).canonicalFilePath() + QStringLiteral("/.lock");
    } else {
        const QString folder = QFileInfo(info.absolutePath()).canonicalFilePath();
        if (folder.isEmpty()) {
            failure->bad_input = true;
            failure->message = QStringLiteral("'%1' cannot be created: folder '%2' does not exist")
                                   .arg(oneLine(path), oneLine(info.absolutePath()));
            return nullptr;
        }
        const QString resolved =
            info.exists() ? info.canonicalFilePath() : folder + u'/' + info.fileName();
        lock_path = resolved + QStringLiteral(".lock");
    }
    auto lock = std::make_unique<QLockFile>(lock_path);
    lock->setStaleLockTime(0); // a lock left by a dead run is taken over
    if (lock->tryLock(0)) return lock;
    if (lock->error() == QLockFile::LockFailedError) {
        qint64 pid = 0;
        QString host, app;
        lock->getLockInfo(&pid, &host, &app);
        // Not bad input: the same command succeeds once the other run ends (exit 1).
        failure->bad_input = false;
        failure->message =
            QStringLiteral("'%1' is in use by another run (pid %2)").arg(oneLine(path)).arg(pid);
        return nullptr;
    }
    failure->bad_input = false;
    failure->message = QStringLiteral("'%1' cannot be written: %2")
                           .arg(oneLine(path), whyNotWritable(QFileInfo(lock_path).absolutePath()));
    return nullptr;
}

} // namespace throttlelab::jobs
