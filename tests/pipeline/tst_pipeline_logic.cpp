// The pipeline's rules without processes: what a pipeline file may say (each refusal names
// its field), the serve framing, back-pressure and the bottleneck, the Graphviz output.
#include "pipeline_graph.h"
#include "pipeline_spec.h"
#include "serve_framing.h"
#include "stage_flow.h"

#include <QTest>

using namespace throttlelab;
using namespace throttlelab::pipeline;

namespace {

constexpr int kCores = 4;

// `stages` is the JSON of the stages array's contents.
QByteArray withStages(const QByteArray& stages) {
    return R"({"items": {"range": "10"}, "stages": [)" + stages + "]}";
}

} // namespace

class TestPipelineLogic : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void theIssuesExampleParses() {
        const QByteArray json = R"({"items": {"file": "urls.txt"},
         "stages": [
           {"name": "fetch", "command": "echo {}", "workers": 8, "queue": 32,
            "limit": {"max_n": 10, "per": 1, "hardcap": "window"}},
           {"name": "parse", "command": "cat {}", "workers": 0},
           {"name": "store", "command": "wc -c {}", "workers": 1, "limit": {"attach": "db-writes"}}]})";
        PipelineError error;
        const auto spec = parsePipeline(json, kCores, QStringLiteral("/data"), &error);
        QVERIFY2(spec, qPrintable(error.message()));
        QCOMPARE(spec->items.file, QStringLiteral("/data/urls.txt")); // beside the pipeline file
        QCOMPARE(int(spec->stages.size()), 3);
        const StageSpec& fetch = spec->stages[0];
        QCOMPARE(fetch.workers, 8);
        QCOMPARE(fetch.queue, 32);
        QVERIFY(fetch.limit && fetch.limit->own);
        QCOMPARE(fetch.limit->own->max_n, 10LL);
        QCOMPARE(int(fetch.limit->own->hardcap), int(Hardcap::Window));
        QCOMPARE(spec->stages[1].workers, kCores);   // 0: every core
        QCOMPARE(spec->stages[1].queue, 4 * kCores); // the reference's default
        QCOMPARE(spec->stages[2].queue, 8);          // and at least 8
        QCOMPARE(spec->stages[2].limit->attach, QStringLiteral("db-writes"));
    }

    void everyBadFileNamesItsField_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("words");
        QTest::newRow("not json") << QByteArray("{\"items\":") << QString() << "is not valid JSON";
        QTest::newRow("an array") << QByteArray("[]") << QString() << "must be a JSON object";
        QTest::newRow("unknown top field")
            << QByteArray(R"({"items": {"range": "3"}, "stages": [], "stagse": 1})") << "stagse"
            << "is not a field of a pipeline; accepted: items, stages, description";
        QTest::newRow("no items") << QByteArray(R"({"stages": []})") << "items"
                                  << "is required";
        // A key name is the user's text: shown escaped, so the message stays one line (found
        // by fuzz_pipeline_file).
        QTest::newRow("a field with a newline") << QByteArray("{\"a\\nb\": 1}") << "a\\nb"
                                                << "is not a field of a pipeline";
        QTest::newRow("items both")
            << QByteArray(R"({"items": {"range": "3", "file": "k"}, "stages": []})") << "items"
            << "either \"file\" or \"range\"";
        QTest::newRow("bad range")
            << QByteArray(R"({"items": {"range": "9:2"}, "stages": []})") << "items.range"
            << "";
        QTest::newRow("no stages") << QByteArray(R"({"items": {"range": "3"}})") << "stages"
                                   << "must be a non-empty array";
        QTest::newRow("empty stages")
            << QByteArray(R"({"items": {"range": "3"}, "stages": []})") << "stages"
            << "got an empty array";
        QTest::newRow("stage not an object") << withStages("3") << "stages[0]"
                                             << "must be an object";
        QTest::newRow("unknown stage field")
            << withStages(R"({"name": "a", "command": "true", "worker": 2})") << "stages[0].worker"
            << "is not a field of stages[0]";
        QTest::newRow("no name") << withStages(R"({"command": "true"})") << "stages[0].name"
                                 << "must be a string";
        QTest::newRow("bad name") << withStages(R"({"name": "a b", "command": "true"})")
                                  << "stages[0].name"
                                  << "letters, digits";
        QTest::newRow("duplicate names")
            << withStages(R"({"name": "a", "command": "true"}, {"name": "a", "command": "true"})")
            << "stages[1].name"
            << "names must differ";
        QTest::newRow("no task") << withStages(R"({"name": "a"})") << "stages[0]"
                                 << "needs either \"command\"";
        QTest::newRow("two tasks")
            << withStages(R"({"name": "a", "command": "true", "synthetic": "none"})") << "stages[0]"
            << "not both";
        QTest::newRow("command a number")
            << withStages(R"({"name": "a", "command": 5})") << "stages[0].command"
            << "must be a string, got a number";
        QTest::newRow("no such program")
            << withStages(R"({"name": "a", "command": "no-such-program-x {}"})")
            << "stages[0].command"
            << "not found";
        QTest::newRow("bad profile")
            << withStages(R"({"name": "a", "synthetic": "sometimes"})") << "stages[0].synthetic"
            << "";
        QTest::newRow("fail rate > 1")
            << withStages(R"({"name": "a", "synthetic": "none", "fail_rate": 2})")
            << "stages[0].fail_rate"
            << "from 0 to 1";
        QTest::newRow("workers text")
            << withStages(R"({"name": "a", "command": "true", "workers": "abc"})")
            << "stages[0].workers"
            << "is not a number";
        QTest::newRow("workers too negative")
            << withStages(R"({"name": "a", "command": "true", "workers": -9})")
            << "stages[0].workers"
            << "";
        QTest::newRow("workers a bool")
            << withStages(R"({"name": "a", "command": "true", "workers": true})")
            << "stages[0].workers"
            << "must be a number or a string";
        QTest::newRow("queue 0") << withStages(R"({"name": "a", "command": "true", "queue": 0})")
                                 << "stages[0].queue"
                                 << "from 1 to";
        QTest::newRow("queue fraction")
            << withStages(R"({"name": "a", "command": "true", "queue": 2.5})") << "stages[0].queue"
            << "an integer";
        QTest::newRow("timeout negative")
            << withStages(R"({"name": "a", "command": "true", "timeout": -1})")
            << "stages[0].timeout"
            << "";
        QTest::newRow("serve synthetic")
            << withStages(R"({"name": "a", "synthetic": "none", "serve": true})")
            << "stages[0].serve"
            << "needs a command";
        QTest::newRow("serve not bool")
            << withStages(R"({"name": "a", "command": "cat", "serve": "yes"})") << "stages[0].serve"
            << "true or false";
        QTest::newRow("limit both")
            << withStages(
                   R"({"name": "a", "command": "true", "limit": {"attach": "x", "max_n": 3}})")
            << "stages[0].limit"
            << "not both";
        QTest::newRow("limit no max_n")
            << withStages(R"({"name": "a", "command": "true", "limit": {"per": 3}})")
            << "stages[0].limit.max_n"
            << "is required";
        QTest::newRow("limit max_n 0")
            << withStages(R"({"name": "a", "command": "true", "limit": {"max_n": 0}})")
            << "stages[0].limit.max_n"
            << "from 1";
        QTest::newRow("limit hardcap typo")
            << withStages(
                   R"({"name": "a", "command": "true", "limit": {"max_n": 3, "hardcap": "limt"}})")
            << "stages[0].limit.hardcap"
            << "limit, one, none or window";
        QTest::newRow("limit unknown")
            << withStages(R"({"name": "a", "command": "true", "limit": {"max_n": 3, "burst": 2}})")
            << "stages[0].limit.burst"
            << "accepted: attach, max_n";
        QTest::newRow("limit bad attach")
            << withStages(R"({"name": "a", "command": "true", "limit": {"attach": "a b"}})")
            << "stages[0].limit.attach"
            << "";
    }
    void everyBadFileNamesItsField() {
        QFETCH(QByteArray, json);
        QFETCH(QString, field);
        QFETCH(QString, words);
        PipelineError error;
        QVERIFY(!parsePipeline(json, kCores, QStringLiteral("/tmp"), &error));
        QCOMPARE(error.field, field);
        QVERIFY2(error.problem.contains(words), qPrintable(error.message()));
        QVERIFY(!error.message().contains(u'\n'));
    }

    void aChangedPipelineSaysWhatChanged() {
        PipelineError error;
        const auto a = parsePipeline(
            withStages(R"({"name": "a", "command": "echo {}"}, {"name": "b", "command": "cat"})"),
            kCores, {}, &error);
        // Workers and queues change how fast, not what: the stash still fits.
        const auto faster = parsePipeline(withStages(R"({"name": "a", "command": "echo {}",
            "workers": 3, "queue": 99}, {"name": "b", "command": "cat"})"),
                                          kCores, {}, &error);
        const auto other = parsePipeline(
            withStages(
                R"({"name": "a", "command": "echo -n {}"}, {"name": "b", "command": "cat"})"),
            kCores, {}, &error);
        const auto renamed = parsePipeline(
            withStages(R"({"name": "a", "command": "echo {}"}, {"name": "c", "command": "cat"})"),
            kCores, {}, &error);
        const auto shorter =
            parsePipeline(withStages(R"({"name": "a", "command": "echo {}"})"), kCores, {}, &error);
        QVERIFY(a && faster && other && renamed && shorter);
        QCOMPARE(describeChange(a->fingerprint(), faster->fingerprint()), QString());
        QCOMPARE(describeChange(a->fingerprint(), other->fingerprint()),
                 QStringLiteral("stage 1 'a': its task changed (was command echo {}, now "
                                "command echo -n {})"));
        QCOMPARE(describeChange(a->fingerprint(), renamed->fingerprint()),
                 QStringLiteral("stage 2 was 'b' and is now 'c'"));
        QCOMPARE(describeChange(a->fingerprint(), shorter->fingerprint()),
                 QStringLiteral("the pipeline had 2 stages and has 1 now"));
    }

    void serveRecordsCarryNewlinesQuotesAndBytes() {
        const ServeRequest r{QByteArray("a key\nwith \"lines\"\\"), QByteArray("in\nput\r\n")};
        const QByteArray line = encodeRequest(r);
        QVERIFY(line.endsWith('\n'));
        QCOMPARE(line.count('\n'), 1); // one record, one line
        QString error;
        const auto back = decodeRequest(line, &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->key, r.key);
        QCOMPARE(back->input, r.input);

        const ServeRequest binary{QByteArray("k"), QByteArray("\xff\x00\x01", 3)};
        const QByteArray bline = encodeRequest(binary);
        QVERIFY(bline.contains("input_base64"));
        QCOMPARE(decodeRequest(bline, &error)->input, binary.input);

        const ServeResponse ok{true, QByteArray("out\nput"), {}};
        QCOMPARE(decodeResponse(encodeResponse(ok), &error)->output, ok.output);
        const ServeResponse no{false, {}, QStringLiteral("it broke")};
        const auto back_no = decodeResponse(encodeResponse(no), &error);
        QVERIFY(back_no && !back_no->ok);
        QCOMPARE(back_no->error, QStringLiteral("it broke"));
        // A program written by hand: minimal fields, a \r\n line end.
        QCOMPARE(decodeResponse("{\"ok\": true, \"output\": \"x\"}\r\n", &error)->output,
                 QByteArray("x"));
        QCOMPARE(decodeRequest("{\"key\": \"k\"}", &error)->input, QByteArray());
    }

    void badServeRecordsAreRefused() {
        QString error;
        QVERIFY(!decodeResponse("hello\n", &error));
        QVERIFY(error.startsWith(QLatin1String("a record must be one JSON object")));
        QVERIFY(!decodeResponse("{\"output\": \"x\"}", &error));
        QVERIFY(error.contains(QLatin1String("\"ok\"")));
        QVERIFY(!decodeRequest("{\"input\": \"x\"}", &error));
        QVERIFY(error.contains(QLatin1String("\"key\"")));
        QVERIFY(!decodeRequest("{\"key_base64\": \"***\"}", &error));
        QVERIFY(error.contains(QLatin1String("not base64")));
    }

    void aStageStartsOnlyWhatTheNextQueueCanHold() {
        std::vector<StageLoad> s(3);
        s[0] = {4, 0, 100, 16, false, 0};
        s[1] = {2, 0, 0, 8, false, 0};
        s[2] = {1, 0, 0, 8, true, 0};
        QCOMPARE(startable(s, 0), 4); // 4 idle workers, room for 8 downstream
        s[0].busy = 4;
        QCOMPARE(startable(s, 0), 0); // no idle worker
        s[0].workers = 12;
        QCOMPARE(startable(s, 0), 4); // 8 of room, 4 of them already in flight
        s[1].waiting = 8;
        QCOMPARE(startable(s, 0), 0); // the next queue is full: back-pressure
        QCOMPARE(startable(s, 1), 2);
        s[2].waiting = 7;
        s[1].busy = 1;
        QCOMPARE(startable(s, 1), 0); // 1 slot left downstream, 1 item already in flight
        s[2].waiting = 3;
        QCOMPARE(startable(s, 2), 1); // the last stage writes to the stash: no queue after it
        s[0].waiting = 0;
        s[0].busy = 0;
        QCOMPARE(startable(s, 0), 0); // nothing waiting
        // Over any sequence, a queue's depth plus what flows into it stays <= its capacity.
        for (int busy = 0; busy <= 12; ++busy)
            for (int waiting = 0; waiting <= 8; ++waiting) {
                s[0] = {12, busy, 50, 16, false, 0};
                s[1].waiting = waiting;
                QVERIFY(waiting + busy + startable(s, 0) <= std::max(8, waiting + busy));
            }
    }

    void theBottleneckIsTheFullStageBeforeAnEmptyOne() {
        std::vector<StageLoad> s(3);
        s[0] = {2, 2, 8, 8, false, 0};
        s[1] = {2, 2, 8, 8, false, 0};
        s[2] = {1, 0, 0, 8, true, 0};
        QCOMPARE(bottleneck(s), 1); // full input, empty output
        s[2].waiting = 3;
        QCOMPARE(bottleneck(s), -1); // nobody is plainly the slowest
        s[2] = {1, 1, 8, 8, true, 0};
        QCOMPARE(bottleneck(s), 2); // the last stage, full in front
    }

    void theGraphIsValidDot() {
        PipelineError error;
        const auto spec = parsePipeline(withStages(R"({"name": "a", "command": "echo {}",
            "limit": {"max_n": 5, "per": 2}}, {"name": "b", "command": "cat", "serve": true,
            "workers": 2, "queue": 3})"),
                                        kCores, {}, &error);
        QVERIFY(spec);
        const QByteArray dot = toDot(*spec);
        QVERIFY(dot.startsWith("digraph pipeline {"));
        QVERIFY(dot.trimmed().endsWith('}'));
        QVERIFY(dot.contains("items -> stage0 [label=\"queue 8\"]"));
        QVERIFY(dot.contains("stage0 -> stage1 [label=\"queue 3\"]"));
        QVERIFY(dot.contains("limit: 5 per 2 s (limit)"));
        QVERIFY(dot.contains("2 workers, serve"));
        QVERIFY(dot.contains("stage1 -> stash"));
    }
};

QTEST_GUILESS_MAIN(TestPipelineLogic)
#include "tst_pipeline_logic.moc"
