#pragma once
// A file that is replaced whole or not at all, and only once its bytes are on disk: data goes to
// a temporary file beside it, every write's result is checked (a full disk is an error, never a
// short file), then the file is fsynced, renamed over the target and its folder fsynced. Qt
// 6.4's QSaveFile can miss a write error when the data fits its buffer, so it is not used.
#include <QByteArray>
#include <QString>

namespace throttlelab::jobs {

class DurableFile {
public:
    explicit DurableFile(const QString& path);
    ~DurableFile(); // an uncommitted temporary file is removed; the target is left as it was
    DurableFile(const DurableFile&) = delete;
    DurableFile& operator=(const DurableFile&) = delete;

    bool open();
    bool write(const QByteArray& data);
    // Flushes, fsyncs, renames into place and fsyncs the folder; false on any failure.
    bool commit();
    // "cannot write 'PATH': REASON" after a failure.
    QString errorString() const { return error_; }

private:
    bool fail(const QString& what, int error_number);
    bool flushBuffer();
    QString path_, temp_;
    int fd_ = -1;
    QByteArray buffer_;
    QString error_;
};

// The whole of `data` as `path`, durably; an error line, or empty on success.
QString writeFileDurably(const QString& path, const QByteArray& data);

} // namespace throttlelab::jobs
