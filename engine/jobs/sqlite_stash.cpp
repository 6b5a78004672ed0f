#include "sqlite_stash.h"

#include "one_line.h"

#include <QAtomicInt>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QVariant>

namespace throttlelab::jobs {
namespace {

QAtomicInt g_connections;

const char* kSchema[] = {
    "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS items(ord INTEGER PRIMARY KEY, key TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS results(key TEXT PRIMARY KEY, ok INTEGER NOT NULL, "
    "exit_code INTEGER, signal INTEGER, timed_out INTEGER, output BLOB, "
    "output_truncated INTEGER, error TEXT, started_at REAL, wait_s REAL, duration_s REAL, "
    "worker INTEGER, pid INTEGER, attempts INTEGER NOT NULL DEFAULT 1, checksum TEXT)",
};

QString sqlError(const QString& what, const QSqlError& e) {
    return oneLine(what + QStringLiteral(": ") + e.text());
}

ItemResult fromRecord(const QSqlQuery& q) {
    ItemResult r;
    r.key = q.value(0).toString();
    r.ok = q.value(1).toBool();
    r.exit_code = q.value(2).toInt();
    r.signal = q.value(3).toInt();
    r.timed_out = q.value(4).toBool();
    r.output = q.value(5).toByteArray();
    r.output_truncated = q.value(6).toBool();
    r.error = q.value(7).toString();
    r.started_at = q.value(8).toDouble();
    r.wait_s = q.value(9).toDouble();
    r.duration_s = q.value(10).toDouble();
    r.worker = q.value(11).toInt();
    r.pid = q.value(12).toLongLong();
    r.attempts = q.value(13).toInt();
    return r;
}

const char* kSelectResults =
    "SELECT key, ok, exit_code, signal, timed_out, output, output_truncated, error, started_at, "
    "wait_s, duration_s, worker, pid, attempts, checksum FROM results";

} // namespace

std::unique_ptr<SqliteStash> SqliteStash::open(const QString& path, Access access, QString* error) {
    const QFileInfo info(path);
    const bool exists = info.exists();
    if (access == Access::ExistingReadOnly && !exists) {
        *error = QStringLiteral("--stash '%1' does not exist").arg(oneLine(path));
        return nullptr;
    }
    if (exists && !info.isFile()) {
        *error = QStringLiteral("--stash '%1' is not a file (use --stash-format dir for a folder)")
                     .arg(oneLine(path));
        return nullptr;
    }
    if (exists && info.size() > 0) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly) || !f.read(16).startsWith("SQLite format 3")) {
            *error = QStringLiteral("--stash '%1' is not a ThrottleLab stash (not an SQLite file)")
                         .arg(oneLine(path));
            return nullptr;
        }
    }
    if (!exists && !QFileInfo(info.absolutePath()).isWritable()) {
        *error = QStringLiteral("--stash '%1' cannot be created: folder '%2' is not writable")
                     .arg(oneLine(path), oneLine(info.absolutePath()));
        return nullptr;
    }
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        *error = QStringLiteral("the Qt SQLite driver is missing (Debian: libqt6sql6-sqlite)");
        return nullptr;
    }
    std::unique_ptr<SqliteStash> s(new SqliteStash);
    s->connection_ =
        QStringLiteral("throttlelab-stash-%1").arg(g_connections.fetchAndAddRelaxed(1));
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), s->connection_);
    db.setDatabaseName(path);
    // A reader waits for a writer's commit instead of failing.
    QString options = QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000");
    if (access == Access::ExistingReadOnly) options += QStringLiteral(";QSQLITE_OPEN_READONLY");
    db.setConnectOptions(options);
    if (!db.open()) {
        *error =
            sqlError(QStringLiteral("--stash '%1' cannot be opened").arg(path), db.lastError());
        return nullptr;
    }
    QSqlQuery q(db);
    if (access == Access::CreateOrOpen) {
        // A non-empty database that is not ours is refused before anything is written to it.
        q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type='table' AND name "
                              "NOT IN ('meta','items','results')"));
        if (q.next() && q.value(0).toInt() > 0) {
            *error = QStringLiteral("--stash '%1' is an SQLite database of something else, not a "
                                    "ThrottleLab stash")
                         .arg(oneLine(path));
            return nullptr;
        }
        // WAL: readers never block the writer; synchronous=NORMAL keeps every commit across a
        // process crash (not across a power cut), at a fraction of FULL's fsyncs.
        for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"})
            if (!q.exec(QString::fromLatin1(sql))) {
                *error = sqlError(QStringLiteral("--stash '%1'").arg(path), q.lastError());
                return nullptr;
            }
        // The schema and the format mark appear together: a reader never sees half a stash.
        if (!db.transaction()) {
            *error = sqlError(QStringLiteral("--stash '%1' cannot be written").arg(path),
                              db.lastError());
            return nullptr;
        }
        bool written = true;
        for (const char* sql : kSchema)
            written = written && q.exec(QString::fromLatin1(sql));
        written =
            written &&
            q.exec(QStringLiteral("INSERT OR IGNORE INTO meta(name, value) VALUES ('format', '%1')")
                       .arg(QStringLiteral("throttlelab-stash %1").arg(kStashFormatVersion)));
        if (!written || !db.commit()) {
            *error =
                sqlError(QStringLiteral("--stash '%1' cannot be written").arg(path), q.lastError());
            db.rollback();
            return nullptr;
        }
    }
    if (!q.exec(QStringLiteral("SELECT value FROM meta WHERE name='format'")) || !q.next()) {
        QSqlQuery tables(db);
        const bool empty = tables.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")) &&
                           tables.next() && tables.value(0).toInt() == 0;
        // A run creates the schema in one transaction: an empty database is one being made.
        *error = empty
                     ? QStringLiteral("--stash '%1' holds no stash yet (a run may be creating it)")
                           .arg(oneLine(path))
                     : QStringLiteral("--stash '%1' is not a ThrottleLab stash").arg(oneLine(path));
        return nullptr;
    }
    const QString format = q.value(0).toString();
    if (format != QStringLiteral("throttlelab-stash %1").arg(kStashFormatVersion)) {
        *error = QStringLiteral("--stash '%1' is '%2'; this ThrottleLab reads throttlelab-stash %3")
                     .arg(oneLine(path), oneLine(format))
                     .arg(kStashFormatVersion);
        return nullptr;
    }
    return s;
}

SqliteStash::~SqliteStash() {
    put_.reset(); // a statement must not outlive its connection
    {
        QSqlDatabase d = QSqlDatabase::database(connection_, false);
        if (d.isOpen()) d.close();
    }
    QSqlDatabase::removeDatabase(connection_);
}

QSqlDatabase SqliteStash::db() const {
    return QSqlDatabase::database(connection_, false);
}

QString SqliteStash::task() const {
    QSqlQuery q(db());
    if (q.exec(QStringLiteral("SELECT value FROM meta WHERE name='task'")) && q.next())
        return q.value(0).toString();
    return {};
}

QString SqliteStash::writeTask(const QString& task) {
    QSqlQuery q(db());
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO meta(name, value) VALUES ('task', ?)"));
    q.addBindValue(task);
    return q.exec() ? QString() : sqlError(QStringLiteral("stash"), q.lastError());
}

QString SqliteStash::setItems(const std::vector<QString>& keys) {
    QSqlDatabase d = db();
    if (!d.transaction()) return sqlError(QStringLiteral("stash"), d.lastError());
    QSqlQuery q(d);
    q.exec(QStringLiteral("DELETE FROM items"));
    q.prepare(QStringLiteral("INSERT INTO items(ord, key) VALUES (?, ?)"));
    for (std::size_t i = 0; i < keys.size(); ++i) {
        q.bindValue(0, qlonglong(i));
        q.bindValue(1, keys[i]);
        if (!q.exec()) {
            const QString e = sqlError(QStringLiteral("stash"), q.lastError());
            d.rollback();
            return e;
        }
    }
    return d.commit() ? QString() : sqlError(QStringLiteral("stash"), d.lastError());
}

std::vector<QString> SqliteStash::items() const {
    std::vector<QString> out;
    QSqlQuery q(db());
    q.setForwardOnly(true);
    if (q.exec(QStringLiteral("SELECT key FROM items ORDER BY ord")))
        while (q.next())
            out.push_back(q.value(0).toString());
    return out;
}

QHash<QString, Stash::Stored> SqliteStash::stored() const {
    QHash<QString, Stored> out;
    QSqlQuery q(db());
    q.setForwardOnly(true);
    if (q.exec(QStringLiteral("SELECT key, ok, attempts FROM results")))
        while (q.next())
            out.insert(q.value(0).toString(), {q.value(1).toBool(), q.value(2).toInt()});
    return out;
}

QString SqliteStash::put(const ItemResult& r) {
    // One statement in autocommit is one transaction: the row is there whole or not at all.
    if (!put_) {
        put_ = std::make_unique<QSqlQuery>(db());
        put_->prepare(QStringLiteral(
            "INSERT INTO results(key, ok, exit_code, signal, timed_out, output, output_truncated, "
            "error, started_at, wait_s, duration_s, worker, pid, attempts, checksum) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,1,?) ON CONFLICT(key) DO UPDATE SET ok=excluded.ok, "
            "exit_code=excluded.exit_code, signal=excluded.signal, timed_out=excluded.timed_out, "
            "output=excluded.output, output_truncated=excluded.output_truncated, "
            "error=excluded.error, started_at=excluded.started_at, wait_s=excluded.wait_s, "
            "duration_s=excluded.duration_s, worker=excluded.worker, pid=excluded.pid, "
            "attempts=results.attempts+1, checksum=excluded.checksum"));
    }
    QSqlQuery& q = *put_;
    q.addBindValue(r.key);
    q.addBindValue(r.ok);
    q.addBindValue(r.exit_code);
    q.addBindValue(r.signal);
    q.addBindValue(r.timed_out);
    q.addBindValue(r.output.isNull() ? QByteArray("") : r.output);
    q.addBindValue(r.output_truncated);
    q.addBindValue(r.error);
    q.addBindValue(r.started_at);
    q.addBindValue(r.wait_s);
    q.addBindValue(r.duration_s);
    q.addBindValue(r.worker);
    q.addBindValue(r.pid);
    q.addBindValue(QString::fromLatin1(r.checksum()));
    return q.exec() ? QString() : sqlError(QStringLiteral("stash put"), q.lastError());
}

void SqliteStash::forEachResult(const std::function<void(const ItemResult&)>& visit) const {
    QSqlQuery q(db());
    q.setForwardOnly(true);
    if (q.exec(QString::fromLatin1(kSelectResults) + QStringLiteral(" ORDER BY key")))
        while (q.next())
            visit(fromRecord(q));
}

InvalidateReport SqliteStash::invalidate() {
    InvalidateReport report;
    QStringList broken;
    QSqlQuery q(db());
    q.setForwardOnly(true);
    if (q.exec(QString::fromLatin1(kSelectResults)))
        while (q.next()) {
            ++report.checked;
            if (fromRecord(q).checksum() != q.value(14).toString().toLatin1())
                broken << q.value(0).toString();
        }
    QSqlQuery d(db());
    d.prepare(QStringLiteral("DELETE FROM results WHERE key = ?"));
    for (const QString& key : broken) {
        d.addBindValue(key);
        if (d.exec()) ++report.dropped;
    }
    return report;
}

} // namespace throttlelab::jobs
