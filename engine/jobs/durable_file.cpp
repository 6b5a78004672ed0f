#include "durable_file.h"

#include "one_line.h"

#include <QFileInfo>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace throttlelab::jobs {
namespace {

constexpr qsizetype kBufferBytes = 64 * 1024;

bool writeAll(int fd, const char* data, qsizetype size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, std::size_t(size));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return false;
        }
        data += n;
        size -= n;
    }
    return true;
}

// The mode a new file gets from open(0666) under the process's umask.
mode_t defaultMode() {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return 0666 & ~mask;
}

} // namespace

DurableFile::DurableFile(const QString& path)
    : path_(path) {}

DurableFile::~DurableFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!temp_.isEmpty()) ::unlink(QFile::encodeName(temp_).constData());
}

bool DurableFile::fail(const QString& what, int error_number) {
    error_ = oneLine(QStringLiteral("cannot write '%1': %2%3")
                         .arg(path_, what, QString::fromLocal8Bit(std::strerror(error_number))));
    return false;
}

bool DurableFile::open() {
    const QFileInfo info(path_);
    // A hidden name that ends in random letters: no reader's pattern (*.json, *.csv) matches it.
    QByteArray name = QFile::encodeName(info.absolutePath() + QStringLiteral("/.") +
                                        info.fileName() + QStringLiteral(".XXXXXX"));
    fd_ = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd_ < 0) return fail({}, errno);
    temp_ = QFile::decodeName(name);
    struct stat existing {};
    const bool replaces = ::stat(QFile::encodeName(path_).constData(), &existing) == 0;
    // A replaced file keeps its permissions; a new one gets what open() would give it.
    ::fchmod(fd_, replaces ? existing.st_mode & 07777 : defaultMode());
    return true;
}

bool DurableFile::flushBuffer() {
    if (buffer_.isEmpty()) return true;
    if (!writeAll(fd_, buffer_.constData(), buffer_.size())) return fail({}, errno);
    buffer_.clear();
    return true;
}

bool DurableFile::write(const QByteArray& data) {
    if (fd_ < 0) return error_.isEmpty() ? fail({}, EBADF) : false;
    buffer_ += data;
    return buffer_.size() < kBufferBytes || flushBuffer();
}

bool DurableFile::commit() {
    if (fd_ < 0) return error_.isEmpty() ? fail({}, EBADF) : false;
    if (!flushBuffer()) return false;
    if (::fsync(fd_) != 0) return fail(QStringLiteral("fsync: "), errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return fail(QStringLiteral("close: "), errno);
    if (::rename(QFile::encodeName(temp_).constData(), QFile::encodeName(path_).constData()) != 0)
        return fail(QStringLiteral("rename: "), errno);
    temp_.clear();
    // The rename is durable once the folder that holds the new name is on disk too.
    const int dir = ::open(QFile::encodeName(QFileInfo(path_).absolutePath()).constData(),
                           O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return fail(QStringLiteral("its folder: "), errno);
    const bool synced = ::fsync(dir) == 0;
    const int sync_errno = errno;
    ::close(dir);
    return synced || fail(QStringLiteral("fsync of its folder: "), sync_errno);
}

QString writeFileDurably(const QString& path, const QByteArray& data) {
    DurableFile f(path);
    if (f.open() && f.write(data) && f.commit()) return {};
    return f.errorString();
}

} // namespace throttlelab::jobs
