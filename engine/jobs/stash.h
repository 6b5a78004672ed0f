#pragma once
// Where a job keeps each key's result, so a later run does only what is missing. Two
// backends: SQLite through Qt SQL (the default; WAL, one transaction per result) and a folder
// with one file per key (each written to a temporary file, fsynced and renamed into place).
// Either way a result is whole or absent: a kill mid-write or a full disk never leaves a torn
// value, and put() succeeds only once the result is durably stored. Keys are bytes.
#include "item_result.h"

#include <QHash>
#include <QString>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace throttlelab::jobs {

enum class StashFormat { Sqlite, Directory };
QString toString(StashFormat f);
std::optional<StashFormat> parseStashFormat(const QString& text);
// A path that ends in '/' or names a folder is a folder stash; anything else SQLite.
StashFormat guessStashFormat(const QString& path);

struct StashCounts {
    long long total = 0;   // keys of the latest run's items
    long long done = 0;    // stored and ok
    long long failed = 0;  // stored as failures
    long long missing = 0; // not stored
};

struct InvalidateReport {
    long long checked = 0;
    long long dropped = 0; // records that failed their checksum or did not parse
};

class Stash {
public:
    enum class Access { CreateOrOpen, ExistingReadOnly };
    // Opens (or creates) the stash at `path`. A file or folder that is not a ThrottleLab stash,
    // or of another format version, is refused with one line; so is an unwritable path.
    // `io_failure` (optional) tells a machine's refusal (full, read-only, unreadable) from a
    // path that is not a usable stash. A read-only stash opens for ExistingReadOnly.
    static std::unique_ptr<Stash> open(const QString& path, StashFormat format, Access access,
                                       QString* error, bool* io_failure = nullptr);
    virtual ~Stash() = default;

    QString path() const { return path_; }
    virtual StashFormat format() const = 0;
    // The task whose results it holds; empty for a new stash.
    virtual QString task() const = 0;
    // Binds a new stash to `task`; refuses a stash made by another task (`io_failure` false)
    // or fails to write (true).
    QString bindTask(const QString& task, bool* io_failure);
    // The keys of the latest run (replaced as a whole).
    virtual QString setItems(const std::vector<QByteArray>& keys) = 0;
    virtual std::vector<QByteArray> items() const = 0;
    // Every stored key and whether it succeeded, with its attempts.
    struct Stored {
        bool ok = false;
        int attempts = 0;
    };
    virtual QHash<QByteArray, Stored> stored() const = 0;
    // Commits one result at once and atomically; attempts counts up per key.
    virtual QString put(const ItemResult& r) = 0;
    virtual void forEachResult(const std::function<void(const ItemResult&)>& visit) const = 0;
    // Re-reads every record and drops those that do not verify, so their keys count missing.
    virtual InvalidateReport invalidate() = 0;

    StashCounts counts() const;
    std::vector<ItemResult> failures() const;

protected:
    virtual QString writeTask(const QString& task) = 0;
    QString path_;
};

} // namespace throttlelab::jobs
