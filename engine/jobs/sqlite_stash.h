#pragma once
// The default stash: one SQLite file through Qt SQL (QSQLITE). WAL journal, so `job status`
// reads while a run writes; each result is its own transaction, committed as it arrives.
#include "stash.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <memory>

namespace throttlelab::jobs {

class SqliteStash final : public Stash {
public:
    static std::unique_ptr<SqliteStash> open(const QString& path, Access access, QString* error);
    ~SqliteStash() override;

    StashFormat format() const override { return StashFormat::Sqlite; }
    QString task() const override;
    QString setItems(const std::vector<QString>& keys) override;
    std::vector<QString> items() const override;
    QHash<QString, Stored> stored() const override;
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
