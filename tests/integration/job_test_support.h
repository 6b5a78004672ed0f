#pragma once
// Shared by the batch-job integration tests: a command's JSON answer and a stash's counts.
#include "stash.h"
#include "test_support.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace testsupport {

inline QJsonObject json(const Result& r) {
    return QJsonDocument::fromJson(r.out).object();
}

inline throttlelab::jobs::StashCounts countsOf(const QString& path) {
    QString error;
    auto stash =
        throttlelab::jobs::Stash::open(path, throttlelab::jobs::guessStashFormat(path),
                                       throttlelab::jobs::Stash::Access::ExistingReadOnly, &error);
    if (!stash) qWarning("%s", qPrintable(error));
    return stash ? stash->counts() : throttlelab::jobs::StashCounts{};
}

} // namespace testsupport
