// Pipelines with real processes and stashes: every key through every stage exactly once,
// queues within their capacity, back-pressure from a slow stage, failures that stop a key,
// the coordinator SIGKILLed and resumed, a changed pipeline refused, serve stages.
#include "job_test_support.h"
#include "pipeline_runner.h"
#include "pipeline_spec.h"
#include "pipeline_stash.h"
#include "test_support.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QThread>

using namespace testsupport;
using namespace throttlelab;
using namespace throttlelab::pipeline;

namespace {

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& text) {
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write(text);
    return path;
}

QByteArray keysText(int n) {
    QByteArray out;
    for (int i = 1; i <= n; ++i)
        out += QByteArray::number(i) + '\n';
    return out;
}

// Every stored result of a pipeline stash, per stage: key -> (ok, attempts, output).
struct Stored {
    bool ok = false;
    int attempts = 0;
    QByteArray output;
};
std::vector<QHash<QByteArray, Stored>> storedResults(const QString& dir) {
    StashRefusal refusal;
    auto stash = PipelineStash::openReadOnly(dir, &refusal);
    std::vector<QHash<QByteArray, Stored>> out;
    if (!stash) return out;
    for (int i = 0; i < stash->stageCount(); ++i) {
        QHash<QByteArray, Stored> stage;
        stash->stage(i).forEachResult([&](const jobs::ItemResult& r) {
            stage.insert(r.key, {r.ok, r.attempts, r.output});
        });
        out.push_back(stage);
    }
    return out;
}

// The pids of stage workers whose command line holds `marker`.
QList<qint64> stageWorkersWith(const QByteArray& marker) {
    QList<qint64> pids;
    QDirIterator it(QStringLiteral("/proc"));
    while (it.hasNext()) {
        const QString entry = it.next();
        bool numeric = false;
        const qint64 pid = QFileInfo(entry).fileName().toLongLong(&numeric);
        if (!numeric) continue;
        QFile f(entry + QStringLiteral("/cmdline"));
        if (!f.open(QIODevice::ReadOnly)) continue;
        const QByteArray cmdline = f.readAll();
        if (cmdline.contains("throttlelab-stage-worker") && cmdline.contains(marker)) pids << pid;
    }
    return pids;
}

} // namespace

class TestPipelines : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyKeyGoesThroughEveryStageOnce_data();
    void everyKeyGoesThroughEveryStageOnce();
    void aSlowStageHoldsBackTheOnesBefore();
    void aKeyThatFailsGoesNoFurther();
    void theCoordinatorKilledMidRunResumesWithNothingDoneTwice();
    void aChangedPipelineIsRefusedForResume();
    void serveStagesCarryNewlinesAndBytes();
    void badPipelineFilesExit2NamingTheField();
    void aLimitedStageKeepsItsWindow();
    void aServeStageThatHangsTimesOutAndIsRestarted();
    void aStageWorkerKilledCostsOnlyItsItem();
    void failuresAreRedoneOnlyWhenAsked();
    void aFullDiskLosesNothing_data();
    void aFullDiskLosesNothing();
};

void TestPipelines::everyKeyGoesThroughEveryStageOnce_data() {
    QTest::addColumn<QString>("format");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("dir") << QStringLiteral("dir");
}
void TestPipelines::everyKeyGoesThroughEveryStageOnce() {
    QFETCH(QString, format);
    QTemporaryDir dir;
    writeFile(dir, QStringLiteral("keys.txt"), keysText(300));
    const QString file = writeFile(dir, QStringLiteral("p.json"), R"({
        "items": {"file": "keys.txt"},
        "stages": [
          {"name": "make", "command": "echo item-{}", "workers": 2, "queue": 5},
          {"name": "upper", "command": "tr a-z A-Z", "workers": 2, "queue": 3},
          {"name": "count", "command": "wc -c", "workers": 1, "queue": 4}]})");
    const QString stash = dir.filePath(QStringLiteral("run"));
    const Result r = runTool("throttlectl", {"pipeline", "run", file, "--stash", stash,
                                             "--stash-format", format, "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(o.value("completed").toInt(), 300);
    QCOMPARE(o.value("missing").toInt(), 0);
    // No queue ever held more than its capacity.
    for (const QJsonValue& v : o.value("stages").toArray()) {
        const QJsonObject s = v.toObject();
        QVERIFY2(s.value("max_queued").toInt() <= s.value("capacity").toInt(),
                 qPrintable(s.value("name").toString()));
        QVERIFY(s.value("max_queued").toInt() > 0);
    }
    const auto stored = storedResults(stash);
    QCOMPARE(int(stored.size()), 3);
    for (int i = 1; i <= 300; ++i) {
        const QByteArray key = QByteArray::number(i);
        const QByteArray line = "item-" + key + "\n";
        for (const auto& stage : stored) {
            QVERIFY(stage.contains(key));
            QCOMPARE(stage.value(key).attempts, 1); // exactly once
            QVERIFY(stage.value(key).ok);
        }
        // Each stage's input was the previous stage's output.
        QCOMPARE(stored[0].value(key).output, line);
        QCOMPARE(stored[1].value(key).output, line.toUpper());
        QCOMPARE(stored[2].value(key).output.trimmed(), QByteArray::number(line.size()));
    }
    // A second run finds nothing to do and redoes nothing.
    const Result again = runTool("throttlectl", {"pipeline", "run", file, "--stash", stash});
    QCOMPARE(again.code, 0);
    QVERIFY(again.err.contains("nothing to do"));
    for (const auto& stage : storedResults(stash))
        for (const Stored& s : stage)
            QCOMPARE(s.attempts, 1);
    const Result status =
        runTool("throttlectl", {"pipeline", "status", "--stash", stash, "--json"});
    QCOMPARE(status.code, 0);
    for (const QJsonValue& v :
         QJsonDocument::fromJson(status.out).object().value("stages").toArray()) {
        QCOMPARE(v.toObject().value("done").toInt(), 300);
        QCOMPARE(v.toObject().value("missing").toInt(), 0);
    }
}

// With a slow last stage the first is held back: never more ahead of the last than the
// queues and workers between them can hold.
void TestPipelines::aSlowStageHoldsBackTheOnesBefore() {
    QTemporaryDir dir;
    PipelineError error;
    const auto spec = parsePipeline(R"({"items": {"range": "200"}, "stages": [
        {"name": "fast", "synthetic": "none", "workers": 2, "queue": 4},
        {"name": "middle", "synthetic": "none", "workers": 1, "queue": 3},
        {"name": "slow", "synthetic": "fixed:10ms:sleep", "workers": 1, "queue": 2}]})",
                                    4, dir.path(), &error);
    QVERIFY2(spec, qPrintable(error.message()));
    PipelineRunner runner;
    PipelineRunOptions o;
    o.stash_path = dir.filePath(QStringLiteral("run"));
    QVERIFY(!runner.prepare(*spec, o));
    // Queues in front of the middle and slow stages, and the workers of all but the last.
    const long long bound = 3 + 2 + 2 + 1 + 1;
    long long worst = 0;
    int samples = 0, named_slow = 0, named_fast = 0;
    QObject::connect(&runner, &PipelineRunner::progressed, [&](const PipelineProgress& p) {
        worst = std::max(worst, p.stages[0].done - p.stages[2].done);
        ++samples;
        // Between two events the slow stage's queue may be one short of full: then no stage
        // is plainly the bottleneck, but never one of the fast ones.
        if (p.stages[2].done < 150 && p.stages[2].done > 20) {
            if (p.bottleneck == 2) ++named_slow;
            if (p.bottleneck == 0 || p.bottleneck == 1) ++named_fast;
        }
    });
    const PipelineSummary s = runner.runToEnd();
    QCOMPARE(s.progress.completed, 200LL);
    QVERIFY(samples >= 3);
    QVERIFY(named_slow > 0);
    QCOMPARE(named_fast, 0);
    QVERIFY2(worst <= bound, qPrintable(QString::number(worst)));
    QVERIFY(worst > 0);
    for (const StageProgress& st : s.progress.stages)
        QVERIFY(st.max_queued <= st.capacity);
}

void TestPipelines::aKeyThatFailsGoesNoFurther() {
    QTemporaryDir dir;
    writeFile(dir, QStringLiteral("keys.txt"), keysText(20));
    // Stage 2 fails for keys divisible by 5.
    const QString file = writeFile(dir, QStringLiteral("p.json"), R"({
        "items": {"file": "keys.txt"},
        "stages": [
          {"name": "one", "command": "echo {}", "workers": 2},
          {"name": "two", "command": "test $(( $1 % 5 )) -ne 0", "shell": true, "workers": 2},
          {"name": "three", "command": "cat", "workers": 1}]})");
    const QString stash = dir.filePath(QStringLiteral("run"));
    const Result r = runTool("throttlectl", {"pipeline", "run", file, "--stash", stash, "--json"});
    QCOMPARE(r.code, 1); // failures
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(o.value("failed").toInt(), 4);
    QCOMPARE(o.value("completed").toInt(), 16);
    const auto stored = storedResults(stash);
    for (int k : {5, 10, 15, 20}) {
        const QByteArray key = QByteArray::number(k);
        QVERIFY(stored[0].value(key).ok);
        QVERIFY(stored[1].contains(key) && !stored[1].value(key).ok);
        QVERIFY(!stored[2].contains(key)); // never reached stage 3
    }
    const Result failures =
        runTool("throttlectl", {"pipeline", "failures", "--stash", stash, "--json"});
    QCOMPARE(failures.code, 0);
    const QJsonArray list = QJsonDocument::fromJson(failures.out).array();
    QCOMPARE(list.size(), 4);
    for (const QJsonValue& v : list)
        QCOMPARE(v.toObject().value("stage").toString(), QStringLiteral("two"));
    // --stop-if-error ends the run at the first failure.
    const QString stash2 = dir.filePath(QStringLiteral("run2"));
    const Result stop = runTool(
        "throttlectl", {"pipeline", "run", file, "--stash", stash2, "--stop-if-error", "--json"});
    QCOMPARE(stop.code, 1);
    QVERIFY(QJsonDocument::fromJson(stop.out).object().value("stopped_on_error").toBool());
    const Result exported = runTool(
        "throttlectl", {"pipeline", "export", "--stash", stash, "--csv", dir.filePath("out.csv")});
    QCOMPARE(exported.code, 0);
    QFile csv(dir.filePath("out.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QVERIFY(csv.readLine().startsWith("key,stage,status,"));
}

void TestPipelines::theCoordinatorKilledMidRunResumesWithNothingDoneTwice() {
    QTemporaryDir dir;
    writeFile(dir, QStringLiteral("keys.txt"), keysText(400));
    const QByteArray marker = QByteArray("m") + QByteArray::number(getpid());
    const QString file = writeFile(dir, QStringLiteral("p.json"), R"({
        "items": {"file": "keys.txt"},
        "stages": [
          {"name": "a", "command": "echo )" + marker + R"( {}", "workers": 2},
          {"name": "b", "command": "sleep 0.005", "workers": 2}]})");
    const QString stash = dir.filePath(QStringLiteral("run"));
    auto run = startTool("throttlectl", {"pipeline", "run", file, "--stash", stash});
    // Until some keys are through, then SIGKILL the coordinator mid-run.
    QVERIFY(waitFor(
        [&] {
            const auto stored = storedResults(stash);
            return stored.size() == 2 && stored[1].size() > 30;
        },
        30000));
    QVERIFY(!stageWorkersWith(marker).isEmpty());
    ::kill(pid_t(run->pid()), SIGKILL);
    run->process->waitForFinished(5000);
    // Its workers see it gone and end, their commands with them.
    QVERIFY2(waitFor([&] { return stageWorkersWith(marker).isEmpty(); }, 2000),
             "stage workers outlived their coordinator");
    const auto before = storedResults(stash);
    QVERIFY(before[1].size() < 400);
    const Result resumed =
        runTool("throttlectl", {"pipeline", "run", file, "--stash", stash, "--json"});
    QVERIFY2(resumed.code == 0, resumed.err.constData());
    const QJsonObject o = QJsonDocument::fromJson(resumed.out).object();
    QCOMPARE(o.value("completed").toInt(), 400);
    const auto after = storedResults(stash);
    for (int stage = 0; stage < 2; ++stage) {
        QCOMPARE(after[std::size_t(stage)].size(), 400);
        for (const Stored& s : after[std::size_t(stage)])
            QCOMPARE(s.attempts, 1); // nothing finished was redone
    }
    // What the first run finished, the second did not touch.
    QCOMPARE(o.value("stages").toArray()[1].toObject().value("already_stored").toInt(),
             int(before[1].size()));
}

void TestPipelines::aChangedPipelineIsRefusedForResume() {
    QTemporaryDir dir;
    const QString file = writeFile(dir, QStringLiteral("p.json"),
                                   R"({"items": {"range": "5"}, "stages": [
        {"name": "a", "command": "echo {}"}, {"name": "b", "command": "cat"}]})");
    const QString stash = dir.filePath(QStringLiteral("run"));
    QCOMPARE(runTool("throttlectl", {"pipeline", "run", file, "--stash", stash}).code, 0);
    const QString changed = writeFile(dir, QStringLiteral("q.json"),
                                      R"({"items": {"range": "5"}, "stages": [
        {"name": "a", "command": "echo {}"}, {"name": "b", "command": "rev"}]})");
    const Result r = runTool("throttlectl", {"pipeline", "run", changed, "--stash", stash});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("stage 2 'b': its task changed (was command cat, now command rev)"),
             r.err.constData());
    QCOMPARE(r.err.count('\n'), 1);
    const Result forced =
        runTool("throttlectl", {"pipeline", "run", changed, "--stash", stash, "--force", "--json"});
    QCOMPARE(forced.code, 0);
    const QJsonArray stages =
        QJsonDocument::fromJson(forced.out).object().value("stages").toArray();
    QCOMPARE(stages[0].toObject().value("already_stored").toInt(), 5);      // kept
    QCOMPARE(stages[1].toObject().value("done").toInt(), 5);                // redone
    QCOMPARE(storedResults(stash)[1].value("3").output, QByteArray("3\n")); // rev of "3\n"
}

void TestPipelines::serveStagesCarryNewlinesAndBytes() {
    QTemporaryDir dir;
    // One JSON record per line each way; its key and input hold newlines.
    const QString server =
        writeFile(dir, QStringLiteral("serve.py"),
                  "import json, sys\n"
                  "for line in sys.stdin:\n"
                  "    r = json.loads(line)\n"
                  "    out = 'key=' + r['key'] + '\\n' + r.get('input', '').upper()\n"
                  "    print(json.dumps({'ok': r['key'] != '4', 'output': out,\n"
                  "                      'error': 'four'}), flush=True)\n");
    const QString file = writeFile(dir, QStringLiteral("p.json"),
                                   QByteArray(R"({"items": {"range": "1:6"}, "stages": [
        {"name": "lines", "command": "printf 'a\\nb %s\\n' {}", "shell": true},
        {"name": "served", "command": "/usr/bin/python3 )") +
                                       server.toUtf8() + R"(", "serve": true, "workers": 2}]})");
    const QString stash = dir.filePath(QStringLiteral("run"));
    const Result r = runTool("throttlectl", {"pipeline", "run", file, "--stash", stash, "--json"});
    QCOMPARE(r.code, 1); // key 4 fails in the served stage
    const auto stored = storedResults(stash);
    QCOMPARE(stored[1].value("2").output, QByteArray("key=2\nA\nB 2\n"));
    QVERIFY(!stored[1].value("4").ok);
    QCOMPARE(QJsonDocument::fromJson(r.out).object().value("completed").toInt(), 4);
}

void TestPipelines::badPipelineFilesExit2NamingTheField() {
    QTemporaryDir dir;
    const QString file = writeFile(dir, QStringLiteral("p.json"),
                                   R"({"items": {"range": "5"}, "stages": [
        {"name": "a", "command": "echo {}", "workers": "lots"}]})");
    const QString stash = dir.filePath(QStringLiteral("never"));
    const Result r = runTool("throttlectl", {"pipeline", "run", file, "--stash", stash});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.startsWith("throttlectl pipeline run: stages[0].workers 'lots'"),
             r.err.constData());
    QVERIFY(!QFileInfo::exists(stash)); // nothing created
    QCOMPARE(runTool("throttlectl", {"pipeline", "graph", dir.filePath("none.json")}).code, 2);
    const Result dot = runTool(
        "throttlectl", {"pipeline", "graph", writeFile(dir, "ok.json", R"({"items": {"range": "5"},
        "stages": [{"name": "a", "command": "echo {}"}]})")});
    QCOMPARE(dot.code, 0);
    QVERIFY(dot.out.startsWith("digraph pipeline {"));
}

// A stage with a limit of its own takes a permit before each item: its permit log (the
// limit's "log") never holds more than max_n grants in any window of `per`.
void TestPipelines::aLimitedStageKeepsItsWindow() {
    QTemporaryDir dir;
    const QString file = writeFile(dir, QStringLiteral("p.json"), R"({"items": {"range": "50"},
        "stages": [{"name": "free", "command": "echo {}", "workers": 2},
                   {"name": "limited", "command": "cat", "workers": 3,
                    "limit": {"max_n": 20, "per": 1, "hardcap": "window",
                              "log": "limited.csv"}}]})");
    const QString stash = dir.filePath(QStringLiteral("run"));
    const Result r = runTool("throttlectl", {"pipeline", "run", file, "--stash", stash, "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    qsizetype rows = 0;
    const std::vector<Nanos> grants =
        grantTimes(dir.filePath(QStringLiteral("limited.csv")), &rows);
    QCOMPARE(int(rows), 50); // one row per permit, one permit per item
    for (std::size_t i = 0; i + 20 < grants.size(); ++i)
        QVERIFY2(grants[i + 20] - grants[i] >= kNanosPerSecond,
                 qPrintable(QStringLiteral("21 grants within %1 s")
                                .arg(toSeconds(grants[i + 20] - grants[i]))));
    // And it ran at its limit, not far below: 50 permits at 20/s take about 1.5 s.
    QVERIFY(toSeconds(grants.back() - grants.front()) < 10);
}

// A serve process that stops answering costs its item (a failure: timed out) and is started
// afresh for the next one; one that dies costs its item too.
void TestPipelines::aServeStageThatHangsTimesOutAndIsRestarted() {
    QTemporaryDir dir;
    const QString server =
        writeFile(dir, QStringLiteral("serve.py"),
                  "import json, os, sys, time\n"
                  "for line in sys.stdin:\n"
                  "    r = json.loads(line)\n"
                  "    if r['key'] == '3':\n"
                  "        time.sleep(30)\n"
                  "    if r['key'] == '5':\n"
                  "        os._exit(9)\n"
                  "    print(json.dumps({'ok': True, 'output': str(os.getpid())}),\n"
                  "          flush=True)\n");
    const QString file = writeFile(dir, QStringLiteral("p.json"),
                                   QByteArray(R"({"items": {"range": "1:9"}, "stages": [
        {"name": "served", "serve": true, "workers": 1, "timeout": 0.5,
         "command": "/usr/bin/python3 )") +
                                       server.toUtf8() + R"("}]})");
    const QString stash = dir.filePath(QStringLiteral("run"));
    const Result r = runTool("throttlectl", {"pipeline", "run", file, "--stash", stash, "--json"});
    QCOMPARE(r.code, 1);
    const auto stored = storedResults(stash);
    QCOMPARE(stored[0].size(), 8);
    QVERIFY(!stored[0].value("3").ok);
    QVERIFY(!stored[0].value("5").ok);
    const Result failures = runTool("throttlectl", {"pipeline", "failures", "--stash", stash});
    QVERIFY2(failures.out.contains("timed out after 0.5 s"), failures.out.constData());
    QVERIFY2(failures.out.contains("the serve process exited with status 9"),
             failures.out.constData());
    // The keys after each failure were answered by a new process.
    QVERIFY(stored[0].value("2").ok && stored[0].value("4").ok && stored[0].value("6").ok);
    QVERIFY(stored[0].value("2").output != stored[0].value("4").output);
    QVERIFY(stored[0].value("4").output != stored[0].value("6").output);
    QCOMPARE(stored[0].value("1").output, stored[0].value("2").output); // one process for many
}

// A stage worker SIGKILLed mid-item: its item is redone by a replacement, every key still goes
// through every stage exactly once.
void TestPipelines::aStageWorkerKilledCostsOnlyItsItem() {
    QTemporaryDir dir;
    const QByteArray marker = QByteArray("k") + QByteArray::number(getpid());
    const QString file = writeFile(dir, QStringLiteral("p.json"),
                                   R"({"items": {"range": "120"}, "stages": [
        {"name": "first", "command": "echo {}", "workers": 2},
        {"name": "slow", "command": "sh -c 'sleep 0.02; cat' )" +
                                       marker + R"(", "workers": 2}]})");
    const QString stash = dir.filePath(QStringLiteral("run"));
    auto run = startTool("throttlectl", {"pipeline", "run", file, "--stash", stash, "--json"});
    QVERIFY(waitFor([&] { return stageWorkersWith(marker).size() == 2; }, 20000));
    QTest::qWait(300); // busy on an item
    const qint64 victim = stageWorkersWith(marker).first();
    ::kill(pid_t(victim), SIGKILL);
    QVERIFY(run->process->waitForFinished(60000));
    QCOMPARE(run->process->exitCode(), 0);
    const QJsonObject o = QJsonDocument::fromJson(run->process->readAllStandardOutput()).object();
    QCOMPARE(o.value("completed").toInt(), 120);
    QVERIFY(o.value("redone").toInt() >= 1);
    for (const auto& stage : storedResults(stash)) {
        QCOMPARE(stage.size(), 120);
        for (const Stored& st : stage)
            QCOMPARE(st.attempts, 1);
    }
}

// A rerun leaves failures alone; --reprocess-failures redoes them in their stage and sends
// the ones that now succeed on through the rest.
void TestPipelines::failuresAreRedoneOnlyWhenAsked() {
    QTemporaryDir dir;
    const QString flag = dir.filePath(QStringLiteral("fixed"));
    const QString file = writeFile(dir, QStringLiteral("p.json"),
                                   QByteArray(R"({"items": {"range": "10"}, "stages": [
        {"name": "a", "command": "echo {}"},
        {"name": "b", "shell": true, "command": "test $1 -ne 7 || test -e )") +
                                       flag.toUtf8() + R"("},
        {"name": "c", "command": "cat"}]})");
    const QString stash = dir.filePath(QStringLiteral("run"));
    const QStringList args{"pipeline", "run", file, "--stash", stash, "--json"};
    QCOMPARE(runTool("throttlectl", args).code, 1); // key 7 fails in b
    const Result again = runTool("throttlectl", args);
    QCOMPARE(again.code, 1);
    QVERIFY(again.err.contains("nothing to do"));
    QFile(flag).open(QIODevice::WriteOnly); // the cause is fixed
    const Result redo = runTool("throttlectl", args + QStringList{"--reprocess-failures"});
    QVERIFY2(redo.code == 0, redo.err.constData());
    const auto stored = storedResults(stash);
    QVERIFY(stored[1].value("7").ok);
    QCOMPARE(stored[1].value("7").attempts, 2); // redone once, in its stage
    QCOMPARE(stored[0].value("7").attempts, 1); // the stage before is not redone
    QVERIFY(stored[2].value("7").ok);           // and it went on
    QCOMPARE(stored[2].size(), 10);
}

void TestPipelines::aFullDiskLosesNothing_data() {
    QTest::addColumn<QString>("format");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("dir") << QStringLiteral("dir");
}

// The stash's disk fills mid-run: the run ends saying so (exit 1), what is stored is whole,
// and once there is room the rerun finishes every key with nothing stored twice.
void TestPipelines::aFullDiskLosesNothing() {
    QFETCH(QString, format);
    QTemporaryDir dir;
    Tmpfs disk(dir.filePath("disk"), "2m");
    if (!disk.mounted) QSKIP("needs root to mount a small tmpfs");
    // 3 KB of output per key and stage: 600 keys need about 4 MB.
    const QString file = writeFile(dir, QStringLiteral("p.json"), R"({"items": {"range": "600"},
        "stages": [{"name": "make", "command": "head -c 3000 /dev/urandom", "workers": 2},
                   {"name": "copy", "command": "cat", "workers": 2}]})");
    const QString stash = disk.path + QStringLiteral("/run");
    const QStringList args{"pipeline",       "run",  file,    "--stash", stash,
                           "--stash-format", format, "--json"};
    const Result first = runTool("throttlectl", args);
    QCOMPARE(first.code, 1);
    // The folder stash says it as the system does, SQLite in its own words.
    QVERIFY2(first.err.contains("No space left on device") ||
                 first.err.contains("database or disk is full"),
             first.err.constData());
    const auto before = storedResults(stash);
    QCOMPARE(int(before.size()), 2);
    QVERIFY(before[0].size() < 600);
    // Whole or absent: every stored output has its 3000 bytes, and each copy equals its make.
    for (auto it = before[1].cbegin(); it != before[1].cend(); ++it) {
        QCOMPARE(it->output.size(), 3000);
        QCOMPARE(it->output, before[0].value(it.key()).output);
    }
    QVERIFY(disk.remount("size=64m"));
    const Result second = runTool("throttlectl", args);
    QVERIFY2(second.code == 0, second.err.constData());
    QCOMPARE(QJsonDocument::fromJson(second.out).object().value("completed").toInt(), 600);
    const auto after = storedResults(stash);
    for (int stage = 0; stage < 2; ++stage) {
        QCOMPARE(after[std::size_t(stage)].size(), 600);
        for (const Stored& st : after[std::size_t(stage)])
            QCOMPARE(st.attempts, 1);
    }
    // What was stored before the disk filled was reused, not made again.
    for (auto it = before[0].cbegin(); it != before[0].cend(); ++it)
        QCOMPARE(after[0].value(it.key()).output, it->output);
    for (auto it = after[1].cbegin(); it != after[1].cend(); ++it)
        QCOMPARE(it->output, after[0].value(it.key()).output);
}

QTEST_GUILESS_MAIN(TestPipelines)
#include "tst_pipelines.moc"
