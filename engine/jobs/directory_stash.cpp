#include "directory_stash.h"

#include "one_line.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace throttlelab::jobs {
namespace {

const QString kMetaFile = QStringLiteral("throttlelab-stash.json");
const QString kItemsFile = QStringLiteral("items.txt");
const QString kResults = QStringLiteral("results");
const QString kFormat = QStringLiteral("throttlelab-stash 1");

QString writeWhole(const QString& path, const QByteArray& data) {
    // QSaveFile writes a temporary file and renames it over `path` on commit.
    QSaveFile f(path);
    f.setDirectWriteFallback(false);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.commit())
        return QStringLiteral("stash: cannot write '%1': %2").arg(oneLine(path), f.errorString());
    return {};
}

std::optional<QJsonObject> readObject(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return std::nullopt;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll());
    if (!doc.isObject()) return std::nullopt;
    return doc.object();
}

// A stored record verifies when it parses and its checksum matches its fields.
std::optional<ItemResult> readRecord(const QString& path) {
    auto o = readObject(path);
    if (!o) return std::nullopt;
    QString error;
    auto r = ItemResult::fromJson(*o, &error);
    if (!r || o->value("checksum").toString().toLatin1() != r->checksum()) return std::nullopt;
    return r;
}

bool isRecordFile(const QString& name) {
    return name.endsWith(QStringLiteral(".json"));
}

} // namespace

QString DirectoryStash::fileNameFor(const QString& key) {
    bool safe = !key.isEmpty() && key.size() <= 120 && key != u"." && key != u"..";
    for (QChar c : key)
        if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != u'-' && c != u'_' && c != u'.')
            safe = false;
    if (safe) return key + QStringLiteral(".json");
    return QString::fromLatin1(
               QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha1).toHex()) +
           QStringLiteral(".h.json");
}

std::unique_ptr<DirectoryStash> DirectoryStash::open(const QString& path, Access access,
                                                     QString* error) {
    QDir dir(path);
    const bool exists = QFileInfo(path).exists();
    if (exists && !QFileInfo(path).isDir()) {
        *error = QStringLiteral("--stash '%1' is a file, not a folder (leave out --stash-format "
                                "dir for an SQLite stash)")
                     .arg(oneLine(path));
        return nullptr;
    }
    if (!exists && access == Access::ExistingReadOnly) {
        *error = QStringLiteral("--stash '%1' does not exist").arg(oneLine(path));
        return nullptr;
    }
    std::unique_ptr<DirectoryStash> s(new DirectoryStash);
    s->root_ = dir.absolutePath();
    const QString meta_path = dir.filePath(kMetaFile);
    if (QFileInfo::exists(meta_path)) {
        auto meta = readObject(meta_path);
        if (!meta || meta->value("format").toString() != kFormat) {
            *error = QStringLiteral("--stash '%1' is not a ThrottleLab stash of format '%2'")
                         .arg(oneLine(path), kFormat);
            return nullptr;
        }
        return s;
    }
    if (access == Access::ExistingReadOnly || (exists && !dir.isEmpty())) {
        *error = QStringLiteral("--stash '%1' is a folder of something else, not a ThrottleLab "
                                "stash (give a new or empty folder)")
                     .arg(oneLine(path));
        return nullptr;
    }
    if (!QDir().mkpath(dir.filePath(kResults))) {
        *error = QStringLiteral("--stash '%1' cannot be created (is its parent writable?)")
                     .arg(oneLine(path));
        return nullptr;
    }
    if (QString e = writeWhole(meta_path, QJsonDocument(QJsonObject{{"format", kFormat}}).toJson());
        !e.isEmpty()) {
        *error = e;
        return nullptr;
    }
    return s;
}

QString DirectoryStash::task() const {
    auto meta = readObject(QDir(root_).filePath(kMetaFile));
    return meta ? meta->value("task").toString() : QString();
}

QString DirectoryStash::writeTask(const QString& task) {
    return writeWhole(QDir(root_).filePath(kMetaFile),
                      QJsonDocument(QJsonObject{{"format", kFormat}, {"task", task}}).toJson());
}

QString DirectoryStash::setItems(const std::vector<QString>& keys) {
    QByteArray data;
    for (const QString& k : keys)
        data += k.toUtf8() + '\n';
    return writeWhole(QDir(root_).filePath(kItemsFile), data);
}

std::vector<QString> DirectoryStash::items() const {
    std::vector<QString> out;
    QFile f(QDir(root_).filePath(kItemsFile));
    if (!f.open(QIODevice::ReadOnly)) return out;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (!line.isEmpty()) out.push_back(QString::fromUtf8(line));
    return out;
}

QHash<QString, Stash::Stored> DirectoryStash::stored() const {
    QHash<QString, Stored> out;
    forEachResult([&](const ItemResult& r) { out.insert(r.key, {r.ok, r.attempts}); });
    return out;
}

QString DirectoryStash::put(const ItemResult& r) {
    const QString file = QDir(root_).filePath(kResults + u'/' + fileNameFor(r.key));
    ItemResult stored = r;
    if (auto previous = readRecord(file)) stored.attempts = previous->attempts + 1;
    QJsonObject o = stored.toJson();
    o["checksum"] = QString::fromLatin1(stored.checksum());
    return writeWhole(file, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

void DirectoryStash::forEachResult(const std::function<void(const ItemResult&)>& visit) const {
    QDir results(QDir(root_).filePath(kResults));
    const QStringList names =
        results.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    for (const QString& name : names)
        if (auto r = readRecord(results.filePath(name))) visit(*r);
}

InvalidateReport DirectoryStash::invalidate() {
    InvalidateReport report;
    QDir results(QDir(root_).filePath(kResults));
    for (const QString& name : results.entryList(QDir::Files)) {
        const QString path = results.filePath(name);
        if (!isRecordFile(name)) {
            // QSaveFile's temporary from a write that was killed before its rename.
            QFile::remove(path);
            continue;
        }
        ++report.checked;
        auto r = readRecord(path);
        if (!r || fileNameFor(r->key) != name) {
            QFile::remove(path);
            ++report.dropped;
        }
    }
    return report;
}

} // namespace throttlelab::jobs
