#include "executable_lookup.h"

#include "throttlelab_install_layout.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QStandardPaths>
#include <QStringList>

namespace throttlelab {

namespace {

// The folder of this process's executable, read once: if the executable is replaced while it
// runs (a rebuild, a package upgrade), /proc/self/exe then names a deleted file, and helpers
// and workers next to it would no longer be found (a soak lost its monitor that way).
QString ownDirectory() {
    static const QString dir = [] {
        QString exe = QFile::symLinkTarget(QStringLiteral("/proc/self/exe"));
        if (exe.endsWith(QLatin1String(" (deleted)"))) exe.chop(10);
        return exe.section(u'/', 0, -2);
    }();
    return dir;
}

QMutex& extraDirectoriesLock() {
    static QMutex lock;
    return lock;
}

QStringList& extraDirectories() {
    static QStringList dirs;
    return dirs;
}

} // namespace

void addExecutableDirectory(const QString& dir) {
    const QMutexLocker locker(&extraDirectoriesLock());
    if (!extraDirectories().contains(dir)) extraDirectories() << dir;
}

QString findExecutable(const QString& program, const QString& override_path) {
    if (!override_path.isEmpty())
        return QFileInfo(override_path).isExecutable() ? override_path : QString();
    QStringList dirs;
    const QByteArray env = qgetenv("THROTTLELAB_BIN_DIR");
    if (!env.isEmpty()) dirs << QString::fromLocal8Bit(env);
    {
        const QMutexLocker locker(&extraDirectoriesLock());
        dirs << extraDirectories();
    }
    // An install splits the executables: the tools in bin, the helpers and workers they start
    // in a folder of their own; each side finds the other relative to itself.
    dirs << ownDirectory()
         << QDir::cleanPath(
                QDir(ownDirectory()).filePath(QStringLiteral(THROTTLELAB_HELPERS_FROM_BINDIR)))
         << QDir::cleanPath(
                QDir(ownDirectory()).filePath(QStringLiteral(THROTTLELAB_BINDIR_FROM_HELPERS)));
    for (const QString& d : dirs) {
        const QString candidate = QDir(d).filePath(program);
        if (QFileInfo(candidate).isExecutable()) return candidate;
    }
    return QStandardPaths::findExecutable(program);
}

} // namespace throttlelab
