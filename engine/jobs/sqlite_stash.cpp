#include "sqlite_stash.h"

#include "one_line.h"

#include <QAtomicInt>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QUrl>
#include <QVariant>
#include <functional>

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

QVariant keyToSql(const QByteArray& key) {
    return isUtf8Text(key) ? QVariant(QString::fromUtf8(key)) : QVariant(key);
}

QByteArray keyFromSql(const QVariant& v) {
    return v.typeId() == QMetaType::QByteArray ? v.toByteArray() : v.toString().toUtf8();
}

// Runs `body` in a transaction that takes SQLite's write lock at BEGIN: a deferred one that
// reads first can find at its first write that another connection wrote meanwhile, and fail
// with "database is locked" whatever the busy timeout.
QString writeTransaction(QSqlDatabase db, const QString& what,
                         const std::function<QString(QSqlQuery&)>& body) {
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("BEGIN IMMEDIATE"))) return sqlError(what, q.lastError());
    QString error = body(q);
    if (!error.isEmpty()) error = what + error;
    if (error.isEmpty() && !q.exec(QStringLiteral("COMMIT"))) error = sqlError(what, q.lastError());
    if (!error.isEmpty()) QSqlQuery(db).exec(QStringLiteral("ROLLBACK"));
    return error;
}

// For a stash this process cannot write: SQLite reads a WAL database only where it can make the
// -shm file, unless it is told the file does not change. Nobody writes a stash without a -wal
// file beside it, so then that is true.
bool openImmutable(QSqlDatabase& db, const QString& path) {
    if (QFileInfo::exists(path + QStringLiteral("-wal"))) return false;
    db.close();
    db.setDatabaseName(
        QStringLiteral("file:") +
        QString::fromLatin1(QUrl::toPercentEncoding(QFileInfo(path).absoluteFilePath(), "/")) +
        QStringLiteral("?immutable=1"));
    db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI"));
    return db.open();
}

ItemResult fromRecord(const QSqlQuery& q) {
    ItemResult r;
    r.key = keyFromSql(q.value(0));
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

std::unique_ptr<SqliteStash> SqliteStash::open(const QString& path, Access access, QString* error,
                                               bool* io_failure) {
    *io_failure = false;
    const QFileInfo info(path);
    const bool exists = info.exists();
    if (access == Access::ExistingReadOnly && !exists) {
        *error = QStringLiteral("'%1' does not exist").arg(oneLine(path));
        return nullptr;
    }
    if (exists && !info.isFile()) {
        *error = QStringLiteral("'%1' is a folder, not a file").arg(oneLine(path));
        return nullptr;
    }
    if (exists && info.size() > 0) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly) || !f.read(16).startsWith("SQLite format 3")) {
            *error = QStringLiteral("'%1' is not a ThrottleLab stash (not an SQLite file)")
                         .arg(oneLine(path));
            return nullptr;
        }
    }
    if (!exists && !QFileInfo(info.absolutePath()).isWritable()) {
        *error = QStringLiteral("'%1' cannot be created: folder '%2' is not writable")
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
        *io_failure = true;
        *error = sqlError(QStringLiteral("'%1' cannot be opened").arg(path), db.lastError());
        return nullptr;
    }
    QSqlQuery q(db);
    if (access == Access::CreateOrOpen) {
        // A non-empty database that is not ours is refused before anything is written to it.
        q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type='table' AND name "
                              "NOT IN ('meta','items','results')"));
        if (q.next() && q.value(0).toInt() > 0) {
            *error = QStringLiteral("'%1' is an SQLite database of something else, not a "
                                    "ThrottleLab stash")
                         .arg(oneLine(path));
            return nullptr;
        }
        // WAL: readers never block the writer; synchronous=NORMAL keeps every commit across a
        // process crash (not across a power cut), at a fraction of FULL's fsyncs.
        for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"})
            if (!q.exec(QString::fromLatin1(sql))) {
                *io_failure = true;
                *error = sqlError(QStringLiteral("'%1'").arg(path), q.lastError());
                return nullptr;
            }
        // The schema and the format mark appear together: a reader never sees half a stash.
        const QString written = writeTransaction(
            db, QStringLiteral("'%1' cannot be written").arg(path), [](QSqlQuery& w) {
                for (const char* sql : kSchema)
                    if (!w.exec(QString::fromLatin1(sql))) return sqlError({}, w.lastError());
                if (!w.exec(
                        QStringLiteral(
                            "INSERT OR IGNORE INTO meta(name, value) VALUES ('format', '%1')")
                            .arg(QStringLiteral("throttlelab-stash %1").arg(kStashFormatVersion))))
                    return sqlError({}, w.lastError());
                return QString();
            });
        if (!written.isEmpty()) {
            *io_failure = true;
            *error = written;
            return nullptr;
        }
    } else if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")) &&
               openImmutable(db, path)) {
        q = QSqlQuery(db);
    }
    if (!q.exec(QStringLiteral("SELECT value FROM meta WHERE name='format'")) || !q.next()) {
        QSqlQuery tables(db);
        if (!tables.exec(QStringLiteral("SELECT count(*) FROM sqlite_master"))) {
            // Not a question of what the file holds: it cannot be read at all.
            *io_failure = true;
            *error = sqlError(QStringLiteral("'%1' cannot be read").arg(path), tables.lastError());
            return nullptr;
        }
        const bool empty = tables.next() && tables.value(0).toInt() == 0;
        // A run creates the schema in one transaction: an empty database is one being made.
        *error = empty ? QStringLiteral("'%1' holds no stash yet (a run may be creating it)")
                             .arg(oneLine(path))
                       : QStringLiteral("'%1' is not a ThrottleLab stash").arg(oneLine(path));
        return nullptr;
    }
    const QString format = q.value(0).toString();
    if (format != QStringLiteral("throttlelab-stash %1").arg(kStashFormatVersion)) {
        *error = QStringLiteral("'%1' is '%2'; this ThrottleLab reads throttlelab-stash %3")
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

QString SqliteStash::setItems(const std::vector<QByteArray>& keys) {
    return writeTransaction(
        db(), QStringLiteral("stash: cannot write the items"), [&keys](QSqlQuery& q) {
            if (!q.exec(QStringLiteral("DELETE FROM items"))) return sqlError({}, q.lastError());
            q.prepare(QStringLiteral("INSERT INTO items(ord, key) VALUES (?, ?)"));
            for (std::size_t i = 0; i < keys.size(); ++i) {
                q.bindValue(0, qlonglong(i));
                q.bindValue(1, keyToSql(keys[i]));
                if (!q.exec()) return sqlError({}, q.lastError());
            }
            return QString();
        });
}

std::vector<QByteArray> SqliteStash::items() const {
    std::vector<QByteArray> out;
    QSqlQuery q(db());
    q.setForwardOnly(true);
    if (q.exec(QStringLiteral("SELECT key FROM items ORDER BY ord")))
        while (q.next())
            out.push_back(keyFromSql(q.value(0)));
    return out;
}

QHash<QByteArray, Stash::Stored> SqliteStash::stored() const {
    QHash<QByteArray, Stored> out;
    QSqlQuery q(db());
    q.setForwardOnly(true);
    if (q.exec(QStringLiteral("SELECT key, ok, attempts FROM results")))
        while (q.next())
            out.insert(keyFromSql(q.value(0)), {q.value(1).toBool(), q.value(2).toInt()});
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
    q.addBindValue(keyToSql(r.key));
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
    QVariantList broken;
    QSqlQuery q(db());
    q.setForwardOnly(true);
    if (q.exec(QString::fromLatin1(kSelectResults)))
        while (q.next()) {
            ++report.checked;
            if (fromRecord(q).checksum() != q.value(14).toString().toLatin1()) broken << q.value(0);
        }
    QSqlQuery d(db());
    d.prepare(QStringLiteral("DELETE FROM results WHERE key = ?"));
    for (const QVariant& key : broken) {
        d.addBindValue(key);
        if (d.exec()) ++report.dropped;
    }
    return report;
}

} // namespace throttlelab::jobs
