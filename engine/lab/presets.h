#pragma once
// The bundled experiments that teach one behaviour each, read from the resources.
#include "experiment.h"

#include <QList>
#include <QString>
#include <optional>

namespace throttlelab {

struct Preset {
    QString id; // the file name without number and extension, e.g. "strict-window"
    Experiment experiment;
};

// In file order; a preset that fails to parse is left out and reported in `errors`.
QList<Preset> loadPresets(QStringList* errors = nullptr);
// Matches an id or a title, case-insensitively.
std::optional<Preset> findPreset(const QString& name);

} // namespace throttlelab
