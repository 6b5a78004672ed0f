#pragma once
// Shared by the batch-job integration tests: a command's JSON answer and a stash's counts.
#include "stash.h"
#include "test_support.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

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

// What every bad-input case of `throttlectl job` must show: exit 2, one line that mentions
// `mentions`, and no stash created at "S" (the stash path the cases use) in `dir`.
inline void verifyRefusedAsBadInput(const Result& r, const QString& mentions, const QString& dir) {
    QCOMPARE(r.code, 2);
    const QString err = QString::fromUtf8(r.err).trimmed();
    QVERIFY2(!err.contains('\n'), qPrintable(err));
    QVERIFY2(err.contains(mentions), qPrintable(err));
    QVERIFY2(!QFileInfo::exists(QDir(dir).filePath("S")), "a stash was created for bad input");
}

} // namespace testsupport
