#include "pipeline_stash.h"

#include "durable_file.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace throttlelab::pipeline {

namespace {

const QString kManifest = QStringLiteral("pipeline.json");
const QString kFormatName = QStringLiteral("throttlelab-pipeline-stash");
constexpr int kFormatVersion = 1;

QString stageFile(int index, const QString& name, jobs::StashFormat format) {
    const QString base = QStringLiteral("%1-%2").arg(index + 1, 2, 10, QChar(u'0')).arg(name);
    return format == jobs::StashFormat::Sqlite ? base + QStringLiteral(".db") : base + u'/';
}

struct Manifest {
    QByteArray fingerprint;
    jobs::StashFormat format = jobs::StashFormat::Sqlite;
    std::vector<std::pair<QString, QString>> stages; // name, file
};

std::optional<Manifest> readManifest(const QString& dir, StashRefusal* refusal) {
    QFile f(QDir(dir).filePath(kManifest));
    if (!f.open(QIODevice::ReadOnly)) {
        *refusal = {
            QStringLiteral("'%1' is not a pipeline stash (no readable %2)").arg(dir, kManifest),
            true};
        return std::nullopt;
    }
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    if (o.value(QLatin1String("format")).toString() != kFormatName ||
        o.value(QLatin1String("version")).toInt() != kFormatVersion) {
        *refusal = {QStringLiteral("'%1' is not a pipeline stash of this version (its %2 says "
                                   "otherwise)")
                        .arg(dir, kManifest),
                    true};
        return std::nullopt;
    }
    Manifest m;
    m.fingerprint = o.value(QLatin1String("fingerprint")).toString().toUtf8();
    m.format = jobs::parseStashFormat(o.value(QLatin1String("stash_format")).toString())
                   .value_or(jobs::StashFormat::Sqlite);
    for (const QJsonValue& s : o.value(QLatin1String("stages")).toArray())
        m.stages.emplace_back(s.toObject().value(QLatin1String("name")).toString(),
                              s.toObject().value(QLatin1String("file")).toString());
    return m;
}

QString writeManifest(const QString& dir, const PipelineSpec& spec, jobs::StashFormat format) {
    QJsonArray stages;
    for (std::size_t i = 0; i < spec.stages.size(); ++i)
        stages.append(QJsonObject{{"name", spec.stages[i].name},
                                  {"file", stageFile(int(i), spec.stages[i].name, format)}});
    const QJsonObject o{{"format", kFormatName},
                        {"version", kFormatVersion},
                        {"fingerprint", QString::fromUtf8(spec.fingerprint())},
                        {"stash_format", jobs::toString(format)},
                        {"stages", stages}};
    return jobs::writeFileDurably(QDir(dir).filePath(kManifest),
                                  QJsonDocument(o).toJson(QJsonDocument::Indented));
}

// The first stage whose task differs between the stash's fingerprint and the pipeline's.
int firstChangedStage(const QByteArray& before, const QByteArray& after) {
    const QJsonArray b = QJsonDocument::fromJson(before).array();
    const QJsonArray a = QJsonDocument::fromJson(after).array();
    for (qsizetype i = 0; i < std::min(a.size(), b.size()); ++i)
        if (a[i] != b[i]) return int(i);
    return int(std::min(a.size(), b.size()));
}

bool removeStageStash(const QString& path) {
    if (path.endsWith(u'/')) return QDir(path).removeRecursively();
    QFile::remove(path + QStringLiteral("-wal"));
    QFile::remove(path + QStringLiteral("-shm"));
    return !QFile::exists(path) || QFile::remove(path);
}

} // namespace

std::unique_ptr<PipelineStash> PipelineStash::open(const QString& dir_in, const PipelineSpec& spec,
                                                   jobs::StashFormat format, bool force,
                                                   StashRefusal* refusal, int* restarted_from) {
    if (restarted_from) *restarted_from = -1;
    const QString dir = QDir::cleanPath(QFileInfo(dir_in).absoluteFilePath());
    if (QFileInfo(dir).exists() && !QFileInfo(dir).isDir()) {
        *refusal = {QStringLiteral("'%1' is a file; a pipeline stash is a folder").arg(dir_in),
                    true};
        return nullptr;
    }
    const bool existed = QFileInfo::exists(QDir(dir).filePath(kManifest));
    if (!existed && QFileInfo(dir).isDir() && !QDir(dir).isEmpty()) {
        *refusal = {QStringLiteral("'%1' is a folder that holds other files, not a pipeline "
                                   "stash; give a new or empty folder")
                        .arg(dir_in),
                    true};
        return nullptr;
    }
    if (!QDir().mkpath(dir)) {
        *refusal = {QStringLiteral("cannot create the folder '%1'").arg(dir_in), false};
        return nullptr;
    }
    std::unique_ptr<PipelineStash> s(new PipelineStash);
    s->dir_ = dir;
    s->lock_ = std::make_unique<QLockFile>(QDir(dir).filePath(QStringLiteral(".lock")));
    s->lock_->setStaleLockTime(0); // only a dead holder's lock is taken over
    if (!s->lock_->tryLock(0)) {
        qint64 pid = 0;
        QString host, app;
        s->lock_->getLockInfo(&pid, &host, &app);
        *refusal = {
            s->lock_->error() == QLockFile::LockFailedError
                ? QStringLiteral("'%1' is in use by another run (pid %2)").arg(dir_in).arg(pid)
                : QStringLiteral("cannot lock '%1' (a read-only or full disk?)").arg(dir_in),
            s->lock_->error() == QLockFile::LockFailedError};
        return nullptr;
    }
    if (existed) {
        const auto manifest = readManifest(dir, refusal);
        if (!manifest) return nullptr;
        format = manifest->format; // the stash keeps the format it was made with
        const QByteArray now = spec.fingerprint();
        if (manifest->fingerprint != now) {
            const QString change = describeChange(manifest->fingerprint, now);
            if (!force) {
                *refusal = {QStringLiteral("'%1' holds the results of another pipeline: %2 "
                                           "(pass --force to redo the stages from there on)")
                                .arg(dir_in, change),
                            true};
                return nullptr;
            }
            const int from = firstChangedStage(manifest->fingerprint, now);
            for (std::size_t i = std::size_t(from); i < manifest->stages.size(); ++i)
                if (!removeStageStash(QDir(dir).filePath(manifest->stages[i].second))) {
                    *refusal = {QStringLiteral("cannot remove '%1' to redo it")
                                    .arg(manifest->stages[i].second),
                                false};
                    return nullptr;
                }
            if (restarted_from) *restarted_from = from;
        }
    }
    if (QString e = writeManifest(dir, spec, format); !e.isEmpty()) {
        *refusal = {e, false};
        return nullptr;
    }
    for (std::size_t i = 0; i < spec.stages.size(); ++i) {
        const QString path = QDir(dir).filePath(stageFile(int(i), spec.stages[i].name, format));
        QString error;
        bool io_failure = false;
        auto stage =
            jobs::Stash::open(path, format, jobs::Stash::Access::CreateOrOpen, &error, &io_failure);
        if (!stage) {
            *refusal = {error, !io_failure};
            return nullptr;
        }
        if (QString e = stage->bindTask(spec.stages[i].task.fingerprint(), &io_failure);
            !e.isEmpty()) {
            *refusal = {e, !io_failure};
            return nullptr;
        }
        s->names_.push_back(spec.stages[i].name);
        s->stages_.push_back(std::move(stage));
    }
    return s;
}

std::unique_ptr<PipelineStash> PipelineStash::openReadOnly(const QString& dir,
                                                           StashRefusal* refusal) {
    const auto manifest = readManifest(dir, refusal);
    if (!manifest) return nullptr;
    std::unique_ptr<PipelineStash> s(new PipelineStash);
    s->dir_ = dir;
    for (const auto& [name, file] : manifest->stages) {
        QString error;
        auto stage = jobs::Stash::open(QDir(dir).filePath(file), manifest->format,
                                       jobs::Stash::Access::ExistingReadOnly, &error);
        if (!stage) {
            *refusal = {error, true};
            return nullptr;
        }
        s->names_.push_back(name);
        s->stages_.push_back(std::move(stage));
    }
    return s;
}

} // namespace throttlelab::pipeline
