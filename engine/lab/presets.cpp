#include "presets.h"

#include <QDir>
#include <QRegularExpression>

// Resources compiled into a static library need an explicit reference or the linker drops them.
static void initResources() {
    Q_INIT_RESOURCE(presets);
}

namespace throttlelab {

QList<Preset> loadPresets(QStringList* errors) {
    static const bool once = (initResources(), true);
    Q_UNUSED(once);
    QList<Preset> out;
    const QDir dir(QStringLiteral(":/presets"));
    const QStringList files = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    static const QRegularExpression prefix(QStringLiteral("^\\d+-"));
    for (const QString& file : files) {
        QString error;
        auto x = Experiment::load(dir.filePath(file), &error);
        if (!x) {
            if (errors) errors->append(error);
            continue;
        }
        QString id = file;
        id.chop(5);
        id.remove(prefix);
        out.append({id, *x});
    }
    return out;
}

std::optional<Preset> findPreset(const QString& name) {
    for (const Preset& p : loadPresets())
        if (p.id.compare(name, Qt::CaseInsensitive) == 0 ||
            p.experiment.title.compare(name, Qt::CaseInsensitive) == 0)
            return p;
    return std::nullopt;
}

} // namespace throttlelab
