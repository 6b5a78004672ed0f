#pragma once
// An experiment: the throttle's settings, how many workers run and what each does per permit.
// The same JSON shape serves saved experiments and the bundled presets; parsing is strict
// (unknown keys and typos are errors, unlike the reference's silently accepted options).
#include "options.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <optional>

namespace throttlelab {

constexpr int kMaxWorkers = 32;

// An event on a run's timeline (a preset loaded, a setting changed), seconds from the start
// of the charts' timeline; a saved experiment keeps the markers of the run it was saved from.
struct TimelineMarker {
    double t_s = 0;
    QString text;
    bool operator==(const TimelineMarker&) const = default;
};

constexpr int kMaxSavedMarkers = 500;

struct Experiment {
    QString title;
    QString explanation; // what to watch, shown next to the controls
    ThrottleConfig config;
    int workers = 4;
    QString work_profile = QStringLiteral("none");
    QList<TimelineMarker> markers; // optional, at most kMaxSavedMarkers

    QByteArray toJson() const;
    // nullopt with a one-line `error` naming the offending key and what is accepted.
    static std::optional<Experiment> fromJson(const QByteArray& json, QString* error);
    static std::optional<Experiment> load(const QString& path, QString* error);
    bool save(const QString& path, QString* error) const;

    // The built-in default: a tutorial pace a class can count along with.
    static Experiment tutorial();
};

} // namespace throttlelab
