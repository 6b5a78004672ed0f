// Experiment files, the bundled presets and the command line: what loads, and how bad input
// is refused (one line naming the problem, never a crash).
#include "command_line.h"
#include "experiment.h"
#include "presets.h"

#include <QTemporaryDir>
#include <QTest>

using namespace throttlelab;
using namespace throttlelab::ui;

class TestExperiment : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void presetsThatTeach() {
        QStringList errors;
        const QList<Preset> presets = loadPresets(&errors);
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join(u'\n')));
        QStringList titles;
        for (const Preset& p : presets) {
            titles << p.experiment.title;
            QVERIFY2(p.experiment.explanation.size() > 40, qPrintable(p.id));
            QVERIFY(validateConfig(p.experiment.config).isEmpty());
        }
        for (const char* t : {"Tutorial: 4 per second", "Burst after idle",
                              "Classic drift at high rate", "Slow workers", "Strict window"})
            QVERIFY2(titles.contains(QLatin1String(t)), t);
        const auto strict = findPreset(QStringLiteral("strict-window"));
        QVERIFY(strict);
        QCOMPARE(int(strict->experiment.config.hardcap), int(Hardcap::Window));
        QVERIFY(findPreset(QStringLiteral("tutorial: 4 PER second")));
        QVERIFY(!findPreset(QStringLiteral("no such preset")));
        const auto tutorial = findPreset(QStringLiteral("tutorial-4-per-second"));
        QCOMPARE(tutorial->experiment.config.max_n, 4);
        QCOMPARE(tutorial->experiment.workers, 4);
    }

    void saveAndLoadRoundTrip() {
        QTemporaryDir dir;
        Experiment x;
        x.title = QStringLiteral("mine");
        x.explanation = QStringLiteral("why");
        x.config.max_n = 123;
        x.config.per = 2.5;
        x.config.hardcap = Hardcap::Window;
        x.config.mode = PacingMode::Classic;
        x.config.correction = 0.125;
        x.config.rf_rate = 0.05;
        x.config.auto_emit = false;
        x.workers = 7;
        x.work_profile = QStringLiteral("uniform:1ms-3ms:cpu");
        x.markers = {{0.5, QStringLiteral("loaded: mine")},
                     {12.25, QStringLiteral("max_n 4 -> 123")}};
        const QString path = dir.filePath(QStringLiteral("x.json"));
        QString error;
        QVERIFY2(x.save(path, &error), qPrintable(error));
        const auto y = Experiment::load(path, &error);
        QVERIFY2(y, qPrintable(error));
        QVERIFY(y->config == x.config);
        QCOMPARE(y->workers, 7);
        QCOMPARE(y->work_profile, x.work_profile);
        QCOMPARE(y->title, x.title);
        QVERIFY(y->markers == x.markers);
        QVERIFY(!Experiment::load(dir.filePath(QStringLiteral("missing.json")), &error));
        QVERIFY(error.contains(QLatin1String("cannot open")));
    }

    void malformed_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("mentions");
        const QByteArray head = R"("format":"throttlelab-experiment","version":1,)";
        QTest::newRow("not json") << QByteArray("{nope") << "JSON";
        QTest::newRow("array") << QByteArray("[]") << "object";
        QTest::newRow("format") << QByteArray(
                                       R"({"format":"x","version":1,"settings":{"max_n":1}})")
                                << "format";
        QTest::newRow("unknown key")
            << QByteArray("{" + head + R"("settings":{"max_n":4},"colour":1})") << "colour";
        QTest::newRow("typo in settings")
            << QByteArray("{" + head + R"("settings":{"max_n":4,"hardcapp":"one"}})") << "hardcapp";
        QTest::newRow("bad hardcap")
            << QByteArray("{" + head + R"("settings":{"max_n":4,"hardcap":"lmit"}})") << "hardcap";
        QTest::newRow("bad mode") << QByteArray("{" + head +
                                                R"("settings":{"max_n":4,"mode":"fast"}})")
                                  << "mode";
        QTest::newRow("max_n 0") << QByteArray("{" + head + R"("settings":{"max_n":0}})")
                                 << "max_n";
        QTest::newRow("max_n fraction")
            << QByteArray("{" + head + R"("settings":{"max_n":2.5}})") << "max_n";
        QTest::newRow("max_n string")
            << QByteArray("{" + head + R"("settings":{"max_n":"4"}})") << "max_n";
        QTest::newRow("rf_rate 0")
            << QByteArray("{" + head + R"("settings":{"max_n":4,"rf_rate":0}})") << "rf_rate";
        QTest::newRow("correction 1")
            << QByteArray("{" + head + R"("settings":{"max_n":4,"correction":1}})") << "correction";
        QTest::newRow("no settings") << QByteArray("{" + head + R"("workers":1})") << "settings";
        QTest::newRow("workers 99")
            << QByteArray("{" + head + R"("settings":{"max_n":4},"workers":99})") << "workers";
        QTest::newRow("markers not a list")
            << QByteArray("{" + head + R"("settings":{"max_n":4},"markers":{}})") << "markers";
        QTest::newRow("marker without text")
            << QByteArray("{" + head + R"("settings":{"max_n":4},"markers":[{"t_s":1}]})")
            << "markers";
        QTest::newRow("marker before the start")
            << QByteArray("{" + head +
                          R"("settings":{"max_n":4},"markers":[{"t_s":-1,"text":"x"}]})")
            << "markers";
        QTest::newRow("profile")
            << QByteArray("{" + head + R"("settings":{"max_n":4},"work_profile":"fixed:5"})")
            << "work_profile";
    }
    void malformed() {
        QFETCH(QByteArray, json);
        QFETCH(QString, mentions);
        QString error;
        QVERIFY(!Experiment::fromJson(json, &error));
        QVERIFY2(error.contains(mentions), qPrintable(error));
        QVERIFY2(!error.contains(u'\n'), "one line");
    }

    void commandLine_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("outcome");
        QTest::newRow("none") << QStringList{} << int(ParseOutcome::Run);
        QTest::newRow("help") << QStringList{"--help"} << int(ParseOutcome::ExitOk);
        QTest::newRow("zoom") << QStringList{"--zoom", "1.5"} << int(ParseOutcome::Run);
        QTest::newRow("zoom too big") << QStringList{"--zoom", "9"} << int(ParseOutcome::ExitError);
        QTest::newRow("preset") << QStringList{"--preset", "strict-window"}
                                << int(ParseOutcome::Run);
        QTest::newRow("unknown preset")
            << QStringList{"--preset", "nope"} << int(ParseOutcome::ExitError);
        QTest::newRow("both") << QStringList{"--preset", "strict-window", "--open", "x.json"}
                              << int(ParseOutcome::ExitError);
        QTest::newRow("missing file")
            << QStringList{"--open", "/nonexistent/x.json"} << int(ParseOutcome::ExitError);
        QTest::newRow("bad quit-after")
            << QStringList{"--quit-after", "soon"} << int(ParseOutcome::ExitError);
        QTest::newRow("negative quit-after")
            << QStringList{"--quit-after", "-1"} << int(ParseOutcome::ExitError);
        QTest::newRow("bad name") << QStringList{"--name", "a b"} << int(ParseOutcome::ExitError);
        QTest::newRow("unknown option")
            << QStringList{"--frobnicate"} << int(ParseOutcome::ExitError);
        QTest::newRow("positional") << QStringList{"extra"} << int(ParseOutcome::ExitError);
        QTest::newRow("bad view") << QStringList{"--view", "graphs"}
                                  << int(ParseOutcome::ExitError);
        QTest::newRow("screenshot dir") << QStringList{"--screenshot", "/nonexistent/dir/x.png"}
                                        << int(ParseOutcome::ExitError);
        QTest::newRow("screenshot")
            << QStringList{"--screenshot", "/tmp/x.png", "--quit-after", "2"}
            << int(ParseOutcome::Run);
    }
    void commandLine() {
        QFETCH(QStringList, args);
        QFETCH(int, outcome);
        LaunchOptions o;
        QString message;
        args.prepend(QStringLiteral("throttlelab"));
        QCOMPARE(int(parseCommandLine(args, &o, &message)), outcome);
        if (outcome == int(ParseOutcome::ExitError)) {
            QVERIFY(!message.isEmpty());
            QVERIFY2(!message.trimmed().contains(u'\n'), qPrintable(message));
        }
        if (args.contains(QLatin1String("--screenshot")) && outcome == int(ParseOutcome::Run)) {
            QVERIFY(o.unattended);
            QCOMPARE(o.quit_after_s, 2.0);
        }
    }
};

QTEST_GUILESS_MAIN(TestExperiment)
#include "tst_ui_experiment.moc"
