// The pure parts of batch jobs: worker counts, chunking, items, commands, result records.
#include "chunking.h"
#include "directory_stash.h"
#include "item_result.h"
#include "job_items.h"
#include "job_request.h"
#include "job_runner.h"
#include "job_text.h"
#include "task_spec.h"
#include "worker_count.h"

#include <QTemporaryDir>
#include <QTest>

using namespace throttlelab::jobs;

class TestJobLogic : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void workerCounts_data() {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<int>("cores");
        QTest::addColumn<int>("expected"); // 0: refused
        QTest::newRow("int as is") << "3" << 2 << 3;
        QTest::newRow("zero is every core") << "0" << 8 << 8;
        QTest::newRow("minus one keeps a core") << "-1" << 8 << 7;
        QTest::newRow("minus all is refused") << "-2" << 2 << 0;
        QTest::newRow("minus five on two cores") << "-5" << 2 << 0;
        QTest::newRow("half") << "0.5" << 8 << 4;
        QTest::newRow("half rounds up") << "0.5" << 3 << 2;
        QTest::newRow("tiny fraction is one") << "0.01" << 4 << 1;
        QTest::newRow("fraction one is all") << "1.0" << 6 << 6;
        QTest::newRow("fraction zero") << "0.0" << 4 << 0;
        QTest::newRow("two point oh") << "2.0" << 4 << 0;
        QTest::newRow("negative fraction") << "-0.5" << 4 << 0;
        QTest::newRow("text") << "many" << 4 << 0;
        QTest::newRow("nan") << "nan" << 4 << 0;
        QTest::newRow("too many") << "100000" << 4 << 0;
        QTest::newRow("spaces") << " 2 " << 4 << 2;
    }
    void workerCounts() {
        QFETCH(QString, spec);
        QFETCH(int, cores);
        QFETCH(int, expected);
        QString error;
        const auto n = resolveWorkerCount(spec, cores, &error);
        if (expected == 0) {
            QVERIFY(!n);
            QVERIFY2(error.contains("accepted: an integer"), qPrintable(error));
            QVERIFY(!error.contains('\n'));
        } else {
            QVERIFY2(n, qPrintable(error));
            QCOMPARE(*n, expected);
        }
    }

    void chunking_data() {
        QTest::addColumn<int>("keys");
        QTest::addColumn<int>("chunkSize");
        QTest::addColumn<int>("workers");
        QTest::addColumn<QList<int>>("sizes");
        QTest::newRow("9 keys, 2 workers, 0") << 9 << 0 << 2 << QList<int>{5, 4};
        QTest::newRow("10 keys, 4 workers, 0") << 10 << 0 << 4 << QList<int>{3, 3, 3, 1};
        QTest::newRow("fixed size, short last") << 10 << 4 << 2 << QList<int>{4, 4, 2};
        QTest::newRow("exact multiple") << 8 << 4 << 3 << QList<int>{4, 4};
        QTest::newRow("more workers than keys") << 3 << 0 << 8 << QList<int>{1, 1, 1};
        QTest::newRow("one key") << 1 << 100 << 2 << QList<int>{1};
        QTest::newRow("no keys") << 0 << 0 << 2 << QList<int>{};
    }
    void chunking() {
        QFETCH(int, keys);
        QFETCH(int, chunkSize);
        QFETCH(int, workers);
        QFETCH(QList<int>, sizes);
        const auto chunks = planChunks(std::size_t(keys), std::size_t(chunkSize), workers);
        QList<int> got;
        std::size_t next = 0;
        for (const Chunk& c : chunks) {
            QCOMPARE(c.begin, next); // contiguous: every key in exactly one chunk, in order
            next = c.end;
            got << int(c.size());
        }
        QCOMPARE(next, std::size_t(keys));
        QCOMPARE(got, sizes);
    }

    void itemsAreUniqueAndSorted() {
        QTemporaryDir dir;
        const QString path = dir.filePath("items.txt");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("b\n10\n\n2\r\na\n  c  \n10\n007\n");
        f.close();
        ItemSource s;
        s.file = path;
        QString error;
        auto items = loadItems(s, &error);
        QVERIFY2(items, qPrintable(error));
        const std::vector<QByteArray> expected{"2", "10", "007", "a", "b", "c"};
        QCOMPARE(items->keys, expected);
        QCOMPARE(items->duplicates, std::size_t(1));
        QCOMPARE(items->trimmed, std::size_t(1)); // "  c  "; a CRLF line end is not a blank
    }

    void badItems() {
        QTemporaryDir dir;
        QString error;
        ItemSource missing;
        missing.file = dir.filePath("nope.txt");
        QVERIFY(!loadItems(missing, &error));
        QVERIFY(error.contains("cannot read"));
        QFile f(dir.filePath("empty.txt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("\n\n");
        f.close();
        ItemSource empty;
        empty.file = f.fileName();
        QVERIFY(!loadItems(empty, &error));
        QVERIFY(error.contains("no keys"));
    }

    void ranges() {
        QString error;
        auto r = ItemSource::parseRange("5", &error);
        QVERIFY(r);
        QCOMPARE(loadItems(*r, &error)->keys, (std::vector<QByteArray>{"0", "1", "2", "3", "4"}));
        r = ItemSource::parseRange("-2:1", &error);
        QVERIFY(r);
        QCOMPARE(loadItems(*r, &error)->keys, (std::vector<QByteArray>{"-2", "-1", "0"}));
        for (const char* bad : {"", "0", "5:5", "5:1", "a:b", "1:2:3", "1e3"})
            QVERIFY2(!ItemSource::parseRange(bad, &error), bad);
    }

    void commandsNeverMeetAShell() {
        QString error;
        auto t = TaskSpec::command("echo 'a b' {}.txt --x={}", false, &error);
        QVERIFY2(t, qPrintable(error));
        QCOMPARE(t->argv("k; rm -rf /"),
                 (QList<QByteArray>{"echo", "a b", "k; rm -rf /.txt", "--x=k; rm -rf /"}));
        auto appended = TaskSpec::command("echo", false, &error);
        QCOMPARE(appended->argv("key"), (QList<QByteArray>{"echo", "key"}));
        QCOMPARE(appended->argv("caf\xe9"), (QList<QByteArray>{"echo", "caf\xe9"})); // bytes kept
        auto shell = TaskSpec::command("echo {} | wc -c", true, &error);
        QCOMPARE(shell->argv("$(x)"), (QList<QByteArray>{"/bin/sh", "-c", "echo \"$1\" | wc -c",
                                                         "throttlelab-job", "$(x)"}));
        QCOMPARE(*splitCommandLine("a \"b \\\"c\\\" d\" 'e f'\\ g h\\ i ''", &error),
                 (QStringList{"a", "b \"c\" d", "e f g", "h i", ""}));
        QVERIFY(!splitCommandLine("echo 'open", &error));
        QVERIFY(error.contains("unterminated single quote"));
        QCOMPARE(TaskSpec::command("test -n \"$1\"", true, &error)->argv("k").last(),
                 QByteArray("k"));
        QVERIFY(!TaskSpec::command("   ", false, &error));
        QVERIFY(error.startsWith("is empty"));
        QVERIFY(!TaskSpec::command("no-such-program-xyz {}", false, &error));
        QVERIFY(error.contains("not found on PATH"));
        QVERIFY(!TaskSpec::syntheticTask("none", 1.5, &error));
        QVERIFY(!TaskSpec::syntheticTask("sometimes", 0, &error));
    }

    // One request, checked in one place for the CLI and the app: each refusal says which
    // input it is about, and nothing in its words names a front end's flag.
    void aJobRequestIsRefusedByInput_data() {
        QTest::addColumn<QString>("change");
        QTest::addColumn<int>("input");
        QTest::newRow("range") << "range" << int(JobInput::Range);
        QTest::newRow("no items file") << "items" << int(JobInput::Items);
        QTest::newRow("empty command") << "command" << int(JobInput::Command);
        QTest::newRow("profile") << "synthetic" << int(JobInput::Synthetic);
        QTest::newRow("fail rate") << "fail_rate" << int(JobInput::FailRate);
        QTest::newRow("workers") << "workers" << int(JobInput::Workers);
        QTest::newRow("chunk size") << "chunk_size" << int(JobInput::ChunkSize);
        QTest::newRow("no stash") << "stash" << int(JobInput::Stash);
        QTest::newRow("max_n") << "max_n" << int(JobInput::MaxN);
        QTest::newRow("rate") << "rate" << int(JobInput::Rate);
        QTest::newRow("limit and attach") << "attach" << int(JobInput::Attach);
        QTest::newRow("throttle name") << "name" << int(JobInput::Name);
    }
    void aJobRequestIsRefusedByInput() {
        QFETCH(QString, change);
        QFETCH(int, input);
        JobRequest r;
        r.stash_path = QStringLiteral("/tmp/x.db");
        r.limit = throttlelab::ThrottleConfig{10};
        JobError e;
        QVERIFY2(toJobSpec(r, 2, &e), qPrintable(e.message())); // the base request is fine
        if (change == u"range") r.range = QStringLiteral("5:1");
        if (change == u"items") r.items = JobRequest::Items::File;
        if (change == u"command") r.task = JobRequest::Task::Command;
        if (change == u"synthetic") r.synthetic = QStringLiteral("sometimes");
        if (change == u"fail_rate") r.fail_rate = 2;
        if (change == u"workers") r.workers = QStringLiteral("-9");
        if (change == u"chunk_size") r.chunk_size = -1;
        if (change == u"stash") r.stash_path.clear();
        if (change == u"max_n") r.limit->max_n = 0;
        if (change == u"rate") r.limit->max_n = 1'000'000'000;
        if (change == u"attach") r.attach_name = QStringLiteral("shared");
        if (change == u"name") r.throttle_name = QStringLiteral("a b");
        QVERIFY(!toJobSpec(r, 2, &e));
        QCOMPARE(int(e.input), input);
        QVERIFY(e.isBadInput());
        QVERIFY2(!e.message().contains(QStringLiteral("--")), qPrintable(e.message()));
        QVERIFY(e.message().startsWith(engineName(e.input) + u' '));
    }

    // Keys are bytes: shown escaped, carried through JSON unchanged, named apart in a folder.
    void keysAreBytes() {
        QCOMPARE(displayKey("caf\xc3\xa9"), QString::fromUtf8("caf\xc3\xa9"));
        QCOMPARE(displayKey("caf\xe9\t\\"), QStringLiteral("caf\\xe9\\x09\\\\"));
        ItemResult r;
        r.key = "caf\xe9";
        QString error;
        auto back = ItemResult::fromLine(r.toLine(), &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->key, r.key);
        const QList<QByteArray> keys{"a b",
                                     "7dbde93504122a707f849f2c12bdd9de71b41929.h",
                                     "A",
                                     "a",
                                     "%41",
                                     ".",
                                     "..",
                                     ".x",
                                     "a.b",
                                     "caf\xe9",
                                     QByteArray(150, 'x'),
                                     QByteArray(300, 'y'),
                                     QByteArray(301, 'y')};
        QSet<QString> names;
        for (const QByteArray& k : keys) {
            const QString name = DirectoryStash::fileNameFor(k);
            QVERIFY2(!name.startsWith(u'.') && !name.contains(u'/') && name.size() < 255,
                     qPrintable(name));
            QVERIFY2(name.toLower() == name || name.contains(u'%'), qPrintable(name));
            names.insert(name.toLower()); // apart even on a case-insensitive filesystem
        }
        QCOMPARE(names.size(), keys.size());
    }

    void taskTravelsAsJson() {
        QString error;
        auto t = TaskSpec::syntheticTask("fixed:2ms:cpu", 0.25, &error);
        t->timeout_s = 3;
        auto back = TaskSpec::fromJson(t->toJson(), &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->fingerprint(), t->fingerprint());
        QCOMPARE(back->timeout_s, 3.0);
        QVERIFY(t->fingerprint() != TaskSpec::command("true", false, &error)->fingerprint());
    }

    void resultLinesRoundTripAndChecksumsCatchEdits() {
        ItemResult r;
        r.key = "we\"ird\nkey";
        r.ok = false;
        r.exit_code = 3;
        r.output = QByteArray("\x00\x01\xff binary", 10);
        r.error = "boom";
        r.started_at = 1763800000.123456;
        r.duration_s = 0.001;
        QString error;
        const QByteArray line = r.toLine();
        QCOMPARE(line.count('\n'), 1); // one protocol line, whatever the key holds
        auto back = ItemResult::fromLine(line, &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->key, r.key);
        QCOMPARE(back->output, r.output);
        QCOMPARE(back->checksum(), r.checksum());
        back->exit_code = 0;
        QVERIFY(back->checksum() != r.checksum());
        QVERIFY(!ItemResult::fromLine("{\"key\": 1}", &error));
        QVERIFY(!ItemResult::fromLine("garbage", &error));
        QCOMPARE(r.describeFailure(), QString("exit status 3: boom"));
    }

    void progressAndSummaryText() {
        JobProgress p;
        p.total = 1000;
        p.already_stored = 700;
        p.to_do = 300;
        p.done = 118;
        p.failed = 2;
        p.rate = 55.25;
        p.limit_rate = 100;
        p.eta_s = 3.3;
        const QString text = jobProgressText(p);
        QVERIFY2(text.contains(QLatin1String("120 of 300 done (40.0%)")), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("55.3/s of 100/s limit")), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("ETA 3.3 s")), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("2 failed")), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("700 stored before")), qPrintable(text));
        p.limit_rate = 0;
        p.eta_s = -1;
        QVERIFY(jobProgressText(p).contains(QLatin1String("no limit")));
        QVERIFY(jobProgressText(p).contains(QLatin1String("ETA ?")));
        JobSummary s;
        s.progress = p;
        s.seconds = 2;
        s.missing = 180;
        QCOMPARE(s.rate(), 60.0);
        const QString summary = jobSummaryText(s);
        QVERIFY2(
            summary.startsWith(QLatin1String("finished: 118 done, 2 failed in 2.0 s (60.0/s)")),
            qPrintable(summary));
        QVERIFY2(summary.contains(QLatin1String("180 of 1000 key(s) missing; start again")),
                 qPrintable(summary));
    }
};

QTEST_GUILESS_MAIN(TestJobLogic)
#include "tst_job_logic.moc"
