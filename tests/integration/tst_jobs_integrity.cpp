// Batch stashes on ordinary bad days (issue 11): a disk that fills up, a stash reached through a
// symlink or on a read-only mount, keys that are not text, keys whose file names used to
// collide, a worker killed while its task runs, a second run racing the first, and odd input.
// Every case runs the real throttlectl against real files; the full and read-only disks are
// small tmpfs mounts, made when the test runs as root (as CI does) and skipped otherwise.
#include "job_test_support.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include <fcntl.h>
#include <set>

using namespace throttlelab;
using namespace testsupport;

namespace {

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeFile(const QString& path, const QByteArray& data) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(data), data.size());
}

// Takes every byte left on the filesystem holding `dir`.
void fillUp(const QString& dir) {
    const QByteArray path = QDir(dir).filePath("filler").toLocal8Bit();
    const int fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    QVERIFY(fd >= 0);
    static const char block[4096] = {};
    while (::write(fd, block, sizeof block) > 0) {
    }
    ::close(fd);
}

QList<QByteArray> lines(const QByteArray& data) {
    QList<QByteArray> out = data.split('\n');
    if (!out.isEmpty() && out.last().isEmpty()) out.removeLast();
    return out;
}

} // namespace

class TestJobsIntegrity : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Row 1: results on a disk that fills up are whole or absent, and the run says so.
    void aFolderStashOnAFullDiskCountsOnlyWholeResults() {
        QTemporaryDir dir;
        Tmpfs disk(dir.filePath("disk"), "2m");
        if (!disk.mounted) QSKIP("needs root to mount a small tmpfs");
        const QString stash = disk.path + "/stash/";
        const QString log = dir.filePath("ran.txt");
        const QStringList args{"job",
                               "run",
                               "--range",
                               "600",
                               "--shell",
                               "--command",
                               QStringLiteral("echo {} >> '%1'").arg(log),
                               "--stash",
                               stash,
                               "--workers",
                               "2",
                               "--json"};
        const Result first = runTool("throttlectl", args);
        QCOMPARE(first.code, 1);
        QVERIFY2(first.err.contains("No space left on device"), first.err.constData());
        QVERIFY2(first.err.contains("cannot write"), first.err.constData());
        const jobs::StashCounts after = countsOf(stash);
        QCOMPARE(after.total, 600); // the items survived the full disk
        QVERIFY(after.missing > 0);
        QCOMPARE(json(first)["done"].toInt(), int(after.done));
        // Every file in results/ is a whole record: none empty, none torn.
        QDir results(stash + "results");
        const QStringList names = results.entryList(QDir::Files | QDir::Hidden);
        QCOMPARE(names.size(), int(after.done));
        for (const QString& name : names)
            QVERIFY2(QJsonDocument::fromJson(readAll(results.filePath(name))).isObject(),
                     qPrintable(name));
        std::set<QByteArray> stored;
        for (const QByteArray& k : lines(readAll(log)))
            stored.insert(k);
        const qsizetype ran_before = lines(readAll(log)).size();

        // Space freed: the rerun does exactly the keys that were missing, and completes.
        QVERIFY(disk.remount("size=16m"));
        const Result second = runTool("throttlectl", args);
        QVERIFY2(second.code == 0, second.err.constData());
        QCOMPARE(json(second)["to_do"].toInt(), int(after.missing));
        QCOMPARE(countsOf(stash).done, 600);
        const QList<QByteArray> all = lines(readAll(log));
        QCOMPARE(all.size() - ran_before, after.missing);
    }

    // Row 2: an export that cannot be written keeps the old file and says why.
    void anExportOntoAFullDiskKeepsTheOldFile() {
        QTemporaryDir dir;
        Tmpfs disk(dir.filePath("disk"), "2m");
        if (!disk.mounted) QSKIP("needs root to mount a small tmpfs");
        const QString stash = dir.filePath("s.db");
        QCOMPARE(runTool("throttlectl",
                         {"job", "run", "--range", "3", "--command", "true", "--stash", stash})
                     .code,
                 0);
        const QString csv = disk.path + "/out.csv";
        QCOMPARE(runTool("throttlectl", {"job", "export", "--stash", stash, "--csv", csv}).code, 0);
        const QByteArray good = readAll(csv);
        QCOMPARE(lines(good).size(), 4);
        fillUp(disk.path);
        const Result r = runTool("throttlectl", {"job", "export", "--stash", stash, "--csv", csv});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("No space left on device"), r.err.constData());
        QVERIFY2(!r.err.contains("written"), r.err.constData());
        QCOMPARE(readAll(csv), good);
    }

    // Row 4: a stash reached through a symlink is the same stash, with the same lock.
    void aStashThroughASymlinkSharesItsLock() {
        QTemporaryDir dir;
        const QString real = dir.filePath("real.db");
        const QString link = dir.filePath("link.db");
        auto first = startTool("throttlectl", {"job", "run", "--range", "60", "--command", "true",
                                               "--stash", real, "--max-n", "10", "--per", "1"});
        QVERIFY(
            waitFor([&] { return QFileInfo::exists(real) && countsOf(real).done >= 2; }, 20000));
        QVERIFY(QFile::link(real, link));
        const Result r =
            runTool("throttlectl", {"job", "run", "--range", "60", "--command", "true", "--stash",
                                    link, "--max-n", "10", "--per", "1", "--json"});
        QCOMPARE(r.code, 1);
        QVERIFY2(
            r.err.contains("in use by another run (pid " + QByteArray::number(first->pid()) + ")"),
            r.err.constData());
    }

    // Row 5: a task does not outlive its worker, however the worker dies.
    void aKilledWorkersTaskDiesWithIt() {
        QTemporaryDir dir;
        const QString pids = dir.filePath("pids");
        // The task notes its own pid, its worker's and a child's it leaves in its group.
        auto run = startTool(
            "throttlectl",
            {"job", "run", "--range", "1", "--shell", "--command",
             QStringLiteral("sleep 60 & echo $$ $PPID $! > '%1.tmp'; mv '%1.tmp' '%1'; wait")
                 .arg(pids),
             "--stash", dir.filePath("s.db")});
        QVERIFY(waitFor([&] { return QFileInfo::exists(pids); }, 20000));
        const QList<QByteArray> ids = readAll(pids).simplified().split(' ');
        QCOMPARE(ids.size(), 3);
        const qint64 task = ids[0].toLongLong(), worker = ids[1].toLongLong(),
                     child = ids[2].toLongLong();
        ::kill(pid_t(worker), SIGKILL);
        const bool ended = waitFor([&] { return !pidAlive(task) && !pidAlive(child); }, 10000);
        ::kill(pid_t(child), SIGKILL); // never left behind by a failing test
        ::kill(pid_t(task), SIGKILL);
        QVERIFY2(ended, "the task's process group outlived its worker");
        QVERIFY(endsWithin(*run->process, 20000));
        QCOMPARE(run->process->exitCode(), 1); // the key stays missing
    }

    // Rows 6 and 10: a finished stash on a read-only mount can be read; a run on it names the
    // real cause.
    void aReadOnlyStashIsReadableAndARunSaysWhyNot() {
        QTemporaryDir dir;
        Tmpfs disk(dir.filePath("disk"), "4m");
        if (!disk.mounted) QSKIP("needs root to mount a small tmpfs");
        const QString db = disk.path + "/job.db";
        const QString folder = disk.path + "/job/";
        for (const QString& stash : {db, folder})
            QCOMPARE(runTool("throttlectl", {"job", "run", "--range", "5", "--shell", "--command",
                                             "test {} -ne 3", "--stash", stash})
                         .code,
                     1);
        QVERIFY(disk.remount("ro"));
        for (const QString& stash : {db, folder}) {
            const Result status = runTool("throttlectl", {"job", "status", "--stash", stash});
            QVERIFY2(status.code == 0, status.err.constData());
            QVERIFY2(status.out.contains("5 total, 4 done, 1 failed, 0 missing"),
                     status.out.constData());
            const Result failures = runTool("throttlectl", {"job", "failures", "--stash", stash});
            QVERIFY2(failures.code == 0, failures.err.constData());
            QVERIFY(failures.out.startsWith("3\t"));
            const QString csv = dir.filePath("out.csv");
            const Result exported =
                runTool("throttlectl", {"job", "export", "--stash", stash, "--csv", csv});
            QVERIFY2(exported.code == 0, exported.err.constData());
            QCOMPARE(lines(readAll(csv)).size(), 6);
            const Result run =
                runTool("throttlectl", {"job", "run", "--range", "6", "--shell", "--command",
                                        "test {} -ne 3", "--stash", stash});
            QCOMPARE(run.code, 1);
            QVERIFY2(run.err.contains("Read-only file system"), run.err.constData());
            QVERIFY2(!run.err.contains("in use"), run.err.constData());
        }
    }

    // Row 7: keys are bytes, whether or not they are UTF-8.
    void keysThatAreNotUtf8StayApartAndUnchanged_data() {
        QTest::addColumn<QString>("stashName");
        QTest::newRow("sqlite") << "bytes.db";
        QTest::newRow("folder") << "bytes/";
    }
    void keysThatAreNotUtf8StayApartAndUnchanged() {
        QFETCH(QString, stashName);
        QTemporaryDir dir;
        const QString items = dir.filePath("items.txt");
        writeFile(items, "caf\xe9\ncaf\xe8\ncaf\xc3\xa9\n");
        const QString log = dir.filePath("ran.txt");
        const QString stash = dir.filePath(stashName);
        const Result r =
            runTool("throttlectl", {"job", "run", "--items", items, "--shell", "--command",
                                    QStringLiteral("printf '%s\\n' {} >> '%1'").arg(log), "--stash",
                                    stash, "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(json(r)["done"].toInt(), 3);
        const QList<QByteArray> ran_lines = lines(readAll(log));
        const std::set<QByteArray> ran{ran_lines.begin(), ran_lines.end()};
        QCOMPARE(ran_lines.size(), 3);
        QCOMPARE(ran, (std::set<QByteArray>{"caf\xe9", "caf\xe8", "caf\xc3\xa9"}));
        const jobs::StashCounts c = countsOf(stash);
        QCOMPARE(c.total, 3);
        QCOMPARE(c.done, 3);
        // A rerun finds all three stored.
        const Result again =
            runTool("throttlectl", {"job", "run", "--items", items, "--shell", "--command",
                                    QStringLiteral("printf '%s\\n' {} >> '%1'").arg(log), "--stash",
                                    stash, "--json"});
        QCOMPARE(again.code, 0);
        QCOMPARE(json(again)["to_do"].toInt(), 0);
    }

    // Row 8: no two keys share a file in a folder stash.
    void folderStashFileNamesCannotCollide() {
        QTemporaryDir dir;
        const QString items = dir.filePath("items.txt");
        writeFile(items, "a b\n7dbde93504122a707f849f2c12bdd9de71b41929.h\nA\na\n");
        const QString stash = dir.filePath("s/");
        const Result r = runTool("throttlectl", {"job", "run", "--items", items, "--command",
                                                 "true", "--stash", stash, "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(json(r)["missing"].toInt(), 0);
        QCOMPARE(countsOf(stash).done, 4);
    }

    // Row 9: a second run on a stash that is being written is refused as in use, every time.
    // 300k keys keep the first run busy for tens of seconds (about 10k results/s, unsanitized)
    // while costing it well under a second to write its key list: with a million, an ASan
    // build beside the rest of the suite spent most of the 20 s below before its first result.
    void aSecondRunOnABusySqliteStashIsInUse() {
        QTemporaryDir dir;
        const QString stash = dir.filePath("busy.db");
        const QStringList args{"job",     "run", "--range",   "300000", "--synthetic",  "none",
                               "--stash", stash, "--workers", "1",      "--chunk-size", "20"};
        auto first = startTool("throttlectl", args);
        QVERIFY(waitFor([&] { return QFileInfo::exists(stash) && countsOf(stash).done >= 200; },
                        20000));
        for (int attempt = 0; attempt < 6; ++attempt) {
            const Result r = runTool("throttlectl", args);
            QVERIFY2(r.code == 1, r.err.constData()); // only bad input exits 2
            QVERIFY2(r.err.contains("in use by another run"), r.err.constData());
        }
        // The refusals came while the first run was still writing, so each met its lock.
        QVERIFY(first->process->state() == QProcess::Running);
        QVERIFY(countsOf(stash).done < 300000);
    }

    // Row 11: odd input is refused with what was given, or kept as given.
    void oddInputIsRefusedInOneLine_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        const QStringList base{"job", "run", "--range", "10", "--command", "true", "--stash", "S"};
        QTest::newRow("repeated option")
            << base + QStringList{"--max-n", "10", "--max-n", "20"} << "--max-n";
        QTest::newRow("repeated stash") << base + QStringList{"--stash", "T"} << "--stash";
        QTest::newRow("fail rate as text")
            << QStringList{"job",  "run",         "--range", "3",       "--synthetic",
                           "none", "--fail-rate", "x",       "--stash", "S"}
            << "'x'";
        QTest::newRow("a NUL in a key")
            << QStringList{"job", "run", "--items", "nul.txt", "--command", "true", "--stash", "S"}
            << "NUL";
    }
    void oddInputIsRefusedInOneLine() {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        QTemporaryDir dir;
        const QString previous = QDir::currentPath();
        QDir::setCurrent(dir.path());
        auto restore = qScopeGuard([&] { QDir::setCurrent(previous); });
        writeFile("nul.txt", QByteArray("a\0b\nc\n", 6));
        verifyRefusedAsBadInput(runTool("throttlectl", args), mentions, dir.path());
    }

    void blanksAroundKeysAreReportedAndBinaryOutputIsExportedEncoded() {
        QTemporaryDir dir;
        const QString items = dir.filePath("items.txt");
        writeFile(items, " a\nb \nc\n");
        const QString stash = dir.filePath("s.db");
        const Result r =
            runTool("throttlectl", {"job", "run", "--items", items, "--shell", "--command",
                                    "printf '\\377\\000%s' {}", "--stash", stash});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.err.contains("2 key(s) had blanks around them"), r.err.constData());
        const QString csv = dir.filePath("out.csv");
        QCOMPARE(runTool("throttlectl", {"job", "export", "--stash", stash, "--csv", csv}).code, 0);
        const QList<QByteArray> rows = lines(readAll(csv));
        QVERIFY2(rows.size() == 4, readAll(csv).constData());
        const QList<QByteArray> header = rows[0].split(',');
        const QList<QByteArray> first = rows[1].split(',');
        const qsizetype output = header.indexOf("output"),
                        encoding = header.indexOf("output_encoding");
        QVERIFY2(output >= 0 && encoding >= 0, rows[0].constData());
        QCOMPARE(first[0], QByteArray("a"));
        QCOMPARE(first[encoding], QByteArray("base64"));
        QCOMPARE(QByteArray::fromBase64(first[output]), QByteArray("\xff\x00"
                                                                   "a",
                                                                   3));
    }
};

QTEST_GUILESS_MAIN(TestJobsIntegrity)
#include "tst_jobs_integrity.moc"
