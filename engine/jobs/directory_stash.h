#pragma once
// The second stash backend: a folder with one JSON file per key under results/, plus the
// job's task and items. Each file is written to a temporary name and renamed into place, so
// a reader sees a whole record or none; a leftover temporary file is ignored and cleared.
#include "stash.h"

namespace throttlelab::jobs {

class DirectoryStash final : public Stash {
public:
    static std::unique_ptr<DirectoryStash> open(const QString& path, Access access, QString* error);

    StashFormat format() const override { return StashFormat::Directory; }
    QString task() const override;
    QString setItems(const std::vector<QString>& keys) override;
    std::vector<QString> items() const override;
    QHash<QString, Stored> stored() const override;
    QString put(const ItemResult& r) override;
    void forEachResult(const std::function<void(const ItemResult&)>& visit) const override;
    InvalidateReport invalidate() override;

    // The file name a key is stored under: the key itself when it is a safe name, else a
    // digest (the key is inside the file either way).
    static QString fileNameFor(const QString& key);

private:
    DirectoryStash() = default;
    QString writeTask(const QString& task) override;
    QString root_;
};

} // namespace throttlelab::jobs
