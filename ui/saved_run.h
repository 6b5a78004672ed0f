#pragma once
// A run saved as the app's history CSV (File > Export history), read back to be drawn under
// the live one: "this is what the last setting did". Only the app's own format is accepted;
// anything else gets one line saying what is wrong and where.
#include <QList>
#include <QPointF>
#include <QString>
#include <optional>

namespace throttlelab::ui {

struct SavedRun {
    QString label;          // the file's name, for the legend
    QList<QPointF> latest;  // (seconds since the run's first row, latest permits/s)
    double target_rate = 0; // of its last row
};

std::optional<SavedRun> readSavedRun(const QString& path, QString* error);
// The same from the file's bytes; `label` names it in errors and the legend.
std::optional<SavedRun> parseSavedRun(const QByteArray& csv, const QString& label, QString* error);

} // namespace throttlelab::ui
