#pragma once
// The second stash backend: a folder with one JSON file per key under results/, plus the
// job's task and items. Each file is written durably (durable_file.h) under a temporary name
// and renamed into place, so a reader sees a whole record or none, a full disk included; a
// leftover temporary file is ignored and cleared.
//
// Format 2 names a key's file so that no two keys can share one (format 1 could: see
// fileNameFor). A format-1 stash is still read (status, failures, export); a run refuses it.
#include "stash.h"

namespace throttlelab::jobs {

class DirectoryStash final : public Stash {
public:
    static std::unique_ptr<DirectoryStash> open(const QString& path, Access access, QString* error,
                                                bool* io_failure);

    StashFormat format() const override { return StashFormat::Directory; }
    QString task() const override;
    QString setItems(const std::vector<QByteArray>& keys) override;
    std::vector<QByteArray> items() const override;
    QHash<QByteArray, Stored> stored() const override;
    QString put(const ItemResult& r) override;
    void forEachResult(const std::function<void(const ItemResult&)>& visit) const override;
    InvalidateReport invalidate() override;

    // The file name a key is stored under: its bytes with everything but [a-z0-9_-] and a
    // non-leading '.' percent-encoded (%XX), an encoding no two keys share (upper case is encoded
    // too, for case-insensitive filesystems); a key whose name would be too long for a
    // filesystem is '#' and its SHA-256 ('#' is never produced by the encoding). The key is
    // inside the file either way, and checked on reading.
    static QString fileNameFor(const QByteArray& key);

private:
    DirectoryStash() = default;
    QString writeTask(const QString& task) override;
    QString root_;
};

} // namespace throttlelab::jobs
