#pragma once
// PNG plots of a `throttlectl bench` report, drawn with the app's own chart widgets.
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace throttlelab::ui {

// Writes accuracy.png, latency.png and cpu.png into `dir`; returns the files written, or an
// empty list with `error` set.
QStringList renderBenchPlots(const QJsonObject& report, const QString& dir, QString* error);

} // namespace throttlelab::ui
