#include "directory_stash.h"

#include "durable_file.h"
#include "one_line.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace throttlelab::jobs {
namespace {

const QString kMetaFile = QStringLiteral("throttlelab-stash.json");
const QString kItemsFile = QStringLiteral("items.txt");
const QString kResults = QStringLiteral("results");
const QString kFormat = QStringLiteral("throttlelab-stash 2");
// Read, never written: its file names could collide.
const QString kOldFormat = QStringLiteral("throttlelab-stash 1");
constexpr qsizetype kMaxEncodedName = 200; // below every common filesystem's 255 bytes

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

bool isPlainNameByte(char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           (c == '.' && !first);
}

} // namespace

QString DirectoryStash::fileNameFor(const QByteArray& key) {
    QByteArray name;
    for (qsizetype i = 0; i < key.size(); ++i) {
        const char c = key[i];
        if (isPlainNameByte(c, i == 0))
            name += c;
        else
            name += '%' + QByteArray::number(uchar(c), 16).rightJustified(2, '0').toUpper();
    }
    if (name.size() > kMaxEncodedName)
        name = '#' + QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex();
    return QString::fromLatin1(name) + QStringLiteral(".json");
}

std::unique_ptr<DirectoryStash> DirectoryStash::open(const QString& path, Access access,
                                                     QString* error, bool* io_failure) {
    *io_failure = false;
    QDir dir(path);
    const bool exists = QFileInfo(path).exists();
    if (exists && !QFileInfo(path).isDir()) {
        *error = QStringLiteral("'%1' is a file, not a folder").arg(oneLine(path));
        return nullptr;
    }
    if (!exists && access == Access::ExistingReadOnly) {
        *error = QStringLiteral("'%1' does not exist").arg(oneLine(path));
        return nullptr;
    }
    std::unique_ptr<DirectoryStash> s(new DirectoryStash);
    s->root_ = dir.absolutePath();
    const QString meta_path = dir.filePath(kMetaFile);
    if (QFileInfo::exists(meta_path)) {
        auto meta = readObject(meta_path);
        const QString format = meta ? meta->value("format").toString() : QString();
        if (format == kOldFormat && access == Access::CreateOrOpen) {
            *error = QStringLiteral("'%1' is a folder stash of %2, made by an older "
                                    "ThrottleLab, whose file names can collide; read it with job "
                                    "status, failures or export, and run into a new stash")
                         .arg(oneLine(path), kOldFormat);
            return nullptr;
        }
        if (format != kFormat && format != kOldFormat) {
            *error = QStringLiteral("'%1' is not a ThrottleLab stash of format '%2'")
                         .arg(oneLine(path), kFormat);
            return nullptr;
        }
        return s;
    }
    if (access == Access::ExistingReadOnly || (exists && !dir.isEmpty())) {
        *error = QStringLiteral("'%1' is a folder of something else, not a ThrottleLab "
                                "stash (give a new or empty folder)")
                     .arg(oneLine(path));
        return nullptr;
    }
    if (!QDir().mkpath(dir.filePath(kResults))) {
        *io_failure = true;
        *error =
            QStringLiteral("'%1' cannot be created (is its parent writable?)").arg(oneLine(path));
        return nullptr;
    }
    if (QString e =
            writeFileDurably(meta_path, QJsonDocument(QJsonObject{{"format", kFormat}}).toJson());
        !e.isEmpty()) {
        *io_failure = true;
        *error = QStringLiteral("stash: ") + e;
        return nullptr;
    }
    return s;
}

QString DirectoryStash::task() const {
    auto meta = readObject(QDir(root_).filePath(kMetaFile));
    return meta ? meta->value("task").toString() : QString();
}

QString DirectoryStash::writeTask(const QString& task) {
    const QString e =
        writeFileDurably(QDir(root_).filePath(kMetaFile),
                         QJsonDocument(QJsonObject{{"format", kFormat}, {"task", task}}).toJson());
    return e.isEmpty() ? e : QStringLiteral("stash: ") + e;
}

QString DirectoryStash::setItems(const std::vector<QByteArray>& keys) {
    // Keys hold no line end, so one per line keeps their bytes as they are.
    QByteArray data;
    for (const QByteArray& k : keys)
        data += k + '\n';
    const QString e = writeFileDurably(QDir(root_).filePath(kItemsFile), data);
    return e.isEmpty() ? e : QStringLiteral("stash: ") + e;
}

std::vector<QByteArray> DirectoryStash::items() const {
    std::vector<QByteArray> out;
    QFile f(QDir(root_).filePath(kItemsFile));
    if (!f.open(QIODevice::ReadOnly)) return out;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (!line.isEmpty()) out.push_back(line);
    return out;
}

QHash<QByteArray, Stash::Stored> DirectoryStash::stored() const {
    QHash<QByteArray, Stored> out;
    forEachResult([&](const ItemResult& r) { out.insert(r.key, {r.ok, r.attempts}); });
    return out;
}

QString DirectoryStash::put(const ItemResult& r) {
    const QString file = QDir(root_).filePath(kResults + u'/' + fileNameFor(r.key));
    ItemResult stored = r;
    if (auto previous = readRecord(file)) {
        if (previous->key != r.key)
            return QStringLiteral("stash: '%1' holds key '%2', not '%3' (a SHA-256 collision)")
                .arg(oneLine(file), oneLine(displayKey(previous->key)), oneLine(displayKey(r.key)));
        stored.attempts = previous->attempts + 1;
    }
    QJsonObject o = stored.toJson();
    o["checksum"] = QString::fromLatin1(stored.checksum());
    const QString e = writeFileDurably(file, QJsonDocument(o).toJson(QJsonDocument::Compact));
    return e.isEmpty() ? e : QStringLiteral("stash: ") + e;
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
    for (const QString& name : results.entryList(QDir::Files | QDir::Hidden)) {
        const QString path = results.filePath(name);
        if (!isRecordFile(name) || name.startsWith(u'.')) {
            // The temporary file of a write that was killed before its rename.
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
