#include "stash.h"

#include "directory_stash.h"
#include "job_items.h"
#include "one_line.h"
#include "sqlite_stash.h"

#include <QFileInfo>
#include <algorithm>

namespace throttlelab::jobs {

QString toString(StashFormat f) {
    return f == StashFormat::Sqlite ? QStringLiteral("sqlite") : QStringLiteral("dir");
}

std::optional<StashFormat> parseStashFormat(const QString& text) {
    if (text == u"sqlite") return StashFormat::Sqlite;
    if (text == u"dir") return StashFormat::Directory;
    return std::nullopt;
}

StashFormat guessStashFormat(const QString& path) {
    return path.endsWith(u'/') || QFileInfo(path).isDir() ? StashFormat::Directory
                                                          : StashFormat::Sqlite;
}

std::unique_ptr<Stash> Stash::open(const QString& path, StashFormat format, Access access,
                                   QString* error, bool* io_failure) {
    bool io = false;
    if (path.trimmed().isEmpty()) {
        *error = QStringLiteral("is required: a .db file (SQLite) or a folder");
        return nullptr;
    }
    std::unique_ptr<Stash> s;
    if (format == StashFormat::Sqlite)
        s = SqliteStash::open(path, access, error, &io);
    else
        s = DirectoryStash::open(path, access, error, &io);
    if (io_failure) *io_failure = io;
    if (s) s->path_ = path;
    return s;
}

QString Stash::bindTask(const QString& task, bool* io_failure) {
    const QString current = this->task();
    *io_failure = current.isEmpty();
    if (current.isEmpty()) return writeTask(task);
    if (current != task)
        return QStringLiteral("'%1' holds the results of another job ('%2'), not '%3'; "
                              "use the same task or another stash")
            .arg(oneLine(path_), oneLine(current), oneLine(task));
    return {};
}

StashCounts Stash::counts() const {
    StashCounts c;
    const auto all = stored();
    for (const QByteArray& key : items()) {
        ++c.total;
        auto it = all.constFind(key);
        if (it == all.cend())
            ++c.missing;
        else if (it->ok)
            ++c.done;
        else
            ++c.failed;
    }
    return c;
}

std::vector<ItemResult> Stash::failures() const {
    std::vector<ItemResult> out;
    forEachResult([&](const ItemResult& r) {
        if (!r.ok) out.push_back(r);
    });
    std::sort(out.begin(), out.end(),
              [](const ItemResult& a, const ItemResult& b) { return keyLess(a.key, b.key); });
    return out;
}

} // namespace throttlelab::jobs
