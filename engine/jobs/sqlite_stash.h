#pragma once
// The default stash: one SQLite file through Qt SQL (QSQLITE). WAL journal, so `job status`
// reads while a run writes; each result is its own transaction, committed as it arrives. A key
// is stored as TEXT when it is UTF-8 (as stashes always did) and as a BLOB otherwise, so every
// key has one spelling and reads back byte for byte. A stash that cannot be written (another
// user's, a read-only mount) is still read.
#include "stash.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <memory>

namespace throttlelab::jobs {

class SqliteStash final : public Stash {
public:
    static std::unique_ptr<SqliteStash> open(const QString& path, Access access, QString* error,
                                             bool* io_failure);
    ~SqliteStash() override;

    StashFormat format() const override { return StashFormat::Sqlite; }
    QString task() const override;
    QString setItems(const std::vector<QByteArray>& keys) override;
    std::vector<QByteArray> items() const override;
    QHash<QByteArray, Stored> stored() const override;
    QString put(const ItemResult& r) override;
    void forEachResult(const std::function<void(const ItemResult&)>& visit) const override;
    InvalidateReport invalidate() override;

private:
    SqliteStash() = default;
    QString writeTask(const QString& task) override;
    QSqlDatabase db() const;
    QString connection_;
    // put() runs once per result: its statement is parsed once.
    std::unique_ptr<QSqlQuery> put_;
};

// Identifies a ThrottleLab stash among SQLite files, and its layout.
constexpr int kStashFormatVersion = 1;

} // namespace throttlelab::jobs
