// The Jobs tab over real job workers and a real SQLite stash: a synthetic job completes and a
// second Start finds nothing to do, failures are listed and reprocessed, bad input starts
// nothing, destroying the view ends its workers, the inputs persist, and the main window
// shows the tab and logs its events.
#include "engine_session.h"
#include "event_log.h"
#include "job_failures_model.h"
#include "job_inputs.h"
#include "jobs_view.h"
#include "main_window.h"
#include "stash.h"
#include "ui_test_support.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QProgressBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace throttlelab;
using namespace throttlelab::ui;
using namespace throttlelab::ui::test;

namespace {

// Generous: the machine is slow and shared; nothing here asserts on timing.
constexpr int kRunTimeoutMs = 30000;

JobInputs synthetic(const QString& stash, const QString& range, const QString& profile,
                    double fail_rate) {
    JobInputs in;
    in.request.items = throttlelab::jobs::JobRequest::Items::Range;
    in.request.range = range;
    in.request.task = throttlelab::jobs::JobRequest::Task::Synthetic;
    in.request.synthetic = profile;
    in.request.fail_rate = fail_rate;
    in.request.stash_path = stash;
    in.request.workers = QStringLiteral("2");
    in.limit = JobLimit::None;
    return in;
}

std::optional<jobs::StashCounts> readCounts(const QString& path) {
    QString error;
    auto stash = jobs::Stash::open(path, jobs::StashFormat::Sqlite,
                                   jobs::Stash::Access::ExistingReadOnly, &error);
    if (!stash) return std::nullopt;
    return stash->counts();
}

// This process's children running `program` (by the path of their executable).
QList<qint64> childrenRunning(const QString& program) {
    QList<qint64> out;
    const QDir proc(QStringLiteral("/proc"));
    const QByteArray self = QByteArray::number(QCoreApplication::applicationPid());
    for (const QString& entry : proc.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool ok = false;
        const qint64 pid = entry.toLongLong(&ok);
        if (!ok) continue;
        QFile stat(proc.filePath(entry + QStringLiteral("/stat")));
        if (!stat.open(QIODevice::ReadOnly)) continue;
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after
        // the last ')'.
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() < 2 || fields[1] != self) continue;
        QFile cmdline(proc.filePath(entry + QStringLiteral("/cmdline")));
        if (!cmdline.open(QIODevice::ReadOnly)) continue;
        const QByteArray argv0 = cmdline.readAll().split('\0').value(0);
        if (argv0.endsWith('/' + program.toLocal8Bit()) || argv0 == program.toLocal8Bit())
            out << pid;
    }
    return out;
}

bool anyLogged(const QSignalSpy& spy, const QString& text) {
    for (const QList<QVariant>& args : spy)
        if (args.value(0).toString().contains(text)) return true;
    return false;
}

} // namespace

class TestJobs : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setApplicationName(QStringLiteral("tst_ui_jobs"));
        isolateSettings();
    }

    void failuresModelUnderTester() {
        JobFailuresModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto failure = [](const QString& key, int code, int attempts) {
            jobs::ItemResult r;
            r.key = key.toUtf8();
            r.exit_code = code;
            r.error = QStringLiteral("line one\nno such host");
            r.attempts = attempts;
            return r;
        };
        model.setFailures({failure("a", 1, 1), failure("b", 2, 3), failure("c", 7, 2)});
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), int(JobFailuresModel::ColumnCount));
        QCOMPARE(model.data(model.index(1, JobFailuresModel::Key)).toString(), QStringLiteral("b"));
        QCOMPARE(model.data(model.index(1, JobFailuresModel::Attempts)).toInt(), 3);
        const QString what = model.data(model.index(1, JobFailuresModel::Failure)).toString();
        QVERIFY2(what.contains(QLatin1String("exit status 2")), qPrintable(what));
        QVERIFY2(what.contains(QLatin1String("no such host")), qPrintable(what));
        QVERIFY(model.data(model.index(1, JobFailuresModel::Failure), Qt::ToolTipRole)
                    .toString()
                    .contains(QLatin1String("line one")));
        QCOMPARE(model.headerData(JobFailuresModel::Attempts, Qt::Horizontal).toString(),
                 QStringLiteral("attempts"));
        model.setFailures({failure("z", 1, 1)});
        QCOMPARE(model.keyAt(0), QStringLiteral("z"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        model.clear();
    }

    void syntheticJobCompletesThenHasNothingToDo() {
        QTemporaryDir dir;
        const QString stash = dir.filePath(QStringLiteral("job.db"));
        JobsView view;
        view.show();
        QSignalSpy logged(&view, &JobsView::logged);
        view.setInputs(synthetic(stash, QStringLiteral("300"), QStringLiteral("none"), 0.0));
        const QString error = view.startJob();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(view.isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(view.hasSummary(), kRunTimeoutMs);
        QVERIFY(!view.isRunning());
        const jobs::JobSummary s = view.lastSummary();
        QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
        QCOMPARE(s.progress.done, 300LL);
        QCOMPARE(s.progress.failed, 0LL);
        QCOMPARE(s.missing, 0LL);
        QCOMPARE(view.progressBar()->value(), view.progressBar()->maximum());
        QCOMPARE(view.progressBar()->maximum(), 300);
        QVERIFY(view.stashCounts());
        QCOMPARE(view.stashCounts()->done, 300LL);
        QCOMPARE(view.stashCounts()->missing, 0LL);
        QCOMPARE(view.failuresModel()->rowCount(), 0);
        QVERIFY(view.errorText().isEmpty());
        QVERIFY2(view.statusText().contains(QLatin1String("300 done")),
                 qPrintable(view.statusText()));
        QVERIFY(anyLogged(logged, QStringLiteral("started 2 worker(s)")));
        const auto counts = readCounts(stash);
        QVERIFY(counts);
        QCOMPARE(counts->done, 300LL);
        QCOMPARE(counts->missing, 0LL);

        // Start again: the stash holds every key, so the run has nothing to do.
        QVERIFY(view.startJob().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(view.hasSummary(), kRunTimeoutMs);
        QCOMPARE(view.lastSummary().progress.to_do, 0LL);
        QCOMPARE(view.lastSummary().progress.already_stored, 300LL);
        QCOMPARE(view.progressBar()->value(), view.progressBar()->maximum());
        QVERIFY2(view.statusText().contains(QLatin1String("nothing to do")),
                 qPrintable(view.statusText()));

        // Refresh reads the stash on its own.
        QVERIFY(view.refreshStatus().isEmpty());
        QCOMPARE(view.stashCounts()->total, 300LL);
    }

    void syntheticFailuresAreListed() {
        QTemporaryDir dir;
        const QString stash = dir.filePath(QStringLiteral("fail.db"));
        JobsView view;
        QAbstractItemModelTester tester(view.failuresModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        view.setInputs(synthetic(stash, QStringLiteral("20"), QStringLiteral("none"), 1.0));
        QVERIFY(view.startJob().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(view.hasSummary(), kRunTimeoutMs);
        QCOMPARE(view.lastSummary().progress.failed, 20LL);
        QCOMPARE(view.failuresModel()->rowCount(), 20);
        QCOMPARE(view.failuresModel()->keyAt(0), QStringLiteral("0"));
        QCOMPARE(view.failuresModel()->keyAt(19), QStringLiteral("19"));
        QCOMPARE(view.stashCounts()->failed, 20LL);

        // The same task again with reprocessing: every key is tried a second time.
        JobInputs again = view.inputs();
        again.request.reprocess_failures = true;
        view.setInputs(again);
        QVERIFY(view.startJob().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(view.hasSummary(), kRunTimeoutMs);
        QCOMPARE(view.lastSummary().progress.to_do, 20LL);
        QCOMPARE(view.failuresModel()->rowCount(), 20);
        QCOMPARE(view.failuresModel()
                     ->data(view.failuresModel()->index(0, JobFailuresModel::Attempts))
                     .toInt(),
                 2);
    }

    void commandFailuresAreReprocessed() {
        QTemporaryDir dir;
        const QString stash = dir.filePath(QStringLiteral("cmd.db"));
        const QString marker = dir.filePath(QStringLiteral("MARKER"));
        const QString items = dir.filePath(QStringLiteral("items.txt"));
        {
            QFile f(items);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("alpha\nbeta\ngamma\ndelta\nepsilon\n\nalpha\n");
            QFile m(marker);
            QVERIFY(m.open(QIODevice::WriteOnly));
        }
        JobsView view;
        QAbstractItemModelTester tester(view.failuresModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        JobInputs in;
        in.request.items = throttlelab::jobs::JobRequest::Items::File;
        in.request.items_file = items;
        in.request.task = throttlelab::jobs::JobRequest::Task::Command;
        in.request.command = QStringLiteral("test ! -e '%1'").arg(marker);
        in.request.shell = true;
        in.request.stash_path = stash;
        in.request.workers = QStringLiteral("2");
        in.limit = JobLimit::None;
        view.setInputs(in);

        // With the marker present every key fails.
        QVERIFY(view.startJob().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(view.hasSummary(), kRunTimeoutMs);
        QCOMPARE(view.lastSummary().progress.failed, 5LL);
        QCOMPARE(view.failuresModel()->rowCount(), 5);
        QVERIFY(view.failuresModel()
                    ->data(view.failuresModel()->index(0, JobFailuresModel::Failure))
                    .toString()
                    .contains(QLatin1String("exit status 1")));

        // A plain resume leaves failures alone.
        QVERIFY(QFile::remove(marker));
        QVERIFY(view.startJob().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(view.hasSummary(), kRunTimeoutMs);
        QCOMPARE(view.lastSummary().progress.to_do, 0LL);
        QCOMPARE(view.failuresModel()->rowCount(), 5);

        // Reprocessed without the marker, they all succeed.
        in.request.reprocess_failures = true;
        view.setInputs(in);
        QVERIFY(view.startJob().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(view.hasSummary(), kRunTimeoutMs);
        QCOMPARE(view.lastSummary().progress.to_do, 5LL);
        QCOMPARE(view.lastSummary().progress.done, 5LL);
        QCOMPARE(view.failuresModel()->rowCount(), 0);
        QCOMPARE(view.stashCounts()->done, 5LL);
        QCOMPARE(view.stashCounts()->failed, 0LL);
        QCOMPARE(view.stashCounts()->missing, 0LL);
    }

    // The refusal names the input in the jobs library's words and marks that input's field
    // (by its type: no front end parses another's words).
    void badInputStartsNothing_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<int>("input");
        QTest::newRow("workers") << "workers"
                                 << "abc" << int(jobs::JobInput::Workers);
        QTest::newRow("empty command") << "command"
                                       << "   " << int(jobs::JobInput::Command);
        QTest::newRow("unknown program")
            << "command"
            << "no-such-program-xyz {}" << int(jobs::JobInput::Command);
        QTest::newRow("range") << "range"
                               << "10:5" << int(jobs::JobInput::Range);
        QTest::newRow("profile") << "profile"
                                 << "sometimes" << int(jobs::JobInput::Synthetic);
        QTest::newRow("missing items file")
            << "items_file"
            << "/nonexistent/keys.txt" << int(jobs::JobInput::Items);
        QTest::newRow("stash") << "stash"
                               << "" << int(jobs::JobInput::Stash);
    }
    void badInputStartsNothing() {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(int, input);
        const QString expected = jobs::engineName(jobs::JobInput(input)) + u' ';
        QTemporaryDir dir;
        const QString stash = dir.filePath(QStringLiteral("bad.db"));
        JobsView view;
        QSignalSpy running(&view, &JobsView::runningChanged);
        JobInputs in = synthetic(stash, QStringLiteral("10"), QStringLiteral("none"), 0.0);
        if (field == u"workers") in.request.workers = value;
        if (field == u"command") {
            in.request.task = throttlelab::jobs::JobRequest::Task::Command;
            in.request.command = value;
        }
        if (field == u"range") in.request.range = value;
        if (field == u"profile") in.request.synthetic = value;
        if (field == u"items_file") {
            in.request.items = throttlelab::jobs::JobRequest::Items::File;
            in.request.items_file = value;
        }
        if (field == u"stash") in.request.stash_path = value;
        view.setInputs(in);
        const QString error = view.startJob();
        QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY2(view.errorText().contains(expected), qPrintable(view.errorText()));
        QCOMPARE(int(view.markedInput()), input);
        QVERIFY(!view.isRunning());
        QCOMPARE(running.count(), 0);
        QVERIFY(!view.hasSummary());
        QVERIFY(childrenRunning(QStringLiteral("throttlelab-job-worker")).isEmpty());
        QVERIFY(!QFile::exists(stash)); // every input is checked before the stash is made

        // Corrected, the same view starts, and the message goes.
        view.setInputs(synthetic(stash, QStringLiteral("10"), QStringLiteral("none"), 0.0));
        QVERIFY(view.startJob().isEmpty());
        QVERIFY(view.errorText().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(view.hasSummary(), kRunTimeoutMs);
        QCOMPARE(view.lastSummary().progress.done, 10LL);
    }

    void destroyingTheViewEndsItsWorkers() {
        QTemporaryDir dir;
        const QString stash = dir.filePath(QStringLiteral("slow.db"));
        QList<qint64> workers, helpers;
        {
            JobsView view;
            JobInputs in =
                synthetic(stash, QStringLiteral("1000"), QStringLiteral("fixed:50ms"), 0);
            in.limit = JobLimit::Own;
            in.max_n = 5;
            in.per = 1.0;
            view.setInputs(in);
            QVERIFY(view.startJob().isEmpty());
            QTRY_COMPARE_WITH_TIMEOUT(
                childrenRunning(QStringLiteral("throttlelab-job-worker")).size(), 2, kRunTimeoutMs);
            QTRY_VERIFY_WITH_TIMEOUT(view.progressBar()->value() > 0, kRunTimeoutMs);
            QVERIFY(view.isRunning());
            QVERIFY(view.throughputPoints() > 0);
            QVERIFY(!view.throttleName().isEmpty());
            workers = childrenRunning(QStringLiteral("throttlelab-job-worker"));
            helpers = childrenRunning(QStringLiteral("throttlelab-helper"));
            QVERIFY(anyAlive(workers));
        }
        QTRY_VERIFY_WITH_TIMEOUT(!anyAlive(workers), 3000);
        QTRY_VERIFY_WITH_TIMEOUT(!anyAlive(helpers), 5000);
        QVERIFY(childrenRunning(QStringLiteral("throttlelab-job-worker")).isEmpty());

        // What was done is kept; the rest is missing for the next Start.
        const auto counts = readCounts(stash);
        QVERIFY(counts);
        QCOMPARE(counts->total, 1000LL);
        QVERIFY(counts->done > 0);
        QVERIFY(counts->missing > 0);
        QCOMPARE(counts->done + counts->failed + counts->missing, 1000LL);
    }

    void cancelKeepsWhatIsDone() {
        QTemporaryDir dir;
        const QString stash = dir.filePath(QStringLiteral("cancel.db"));
        JobsView view;
        JobInputs in = synthetic(stash, QStringLiteral("1000"), QStringLiteral("fixed:50ms"), 0);
        in.limit = JobLimit::Own;
        in.max_n = 20;
        view.setInputs(in);
        QVERIFY(view.startJob().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(view.progressBar()->value() > 0, kRunTimeoutMs);
        view.cancelJob();
        QTRY_VERIFY_WITH_TIMEOUT(view.hasSummary(), kRunTimeoutMs);
        QVERIFY(view.lastSummary().cancelled);
        QVERIFY(view.lastSummary().missing > 0);
        // Keys a worker held at the cancel are missing, not "lost with a worker that died".
        QCOMPARE(view.lastSummary().lost, 0LL);
        QVERIFY2(!view.statusText().contains(QLatin1String("lost")), qPrintable(view.statusText()));
        QVERIFY2(view.statusText().contains(QLatin1String("cancelled")),
                 qPrintable(view.statusText()));
        QTRY_VERIFY_WITH_TIMEOUT(
            childrenRunning(QStringLiteral("throttlelab-job-worker")).isEmpty(), kRunTimeoutMs);
    }

    void inputsPersist() {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
        JobInputs in;
        in.request.items = throttlelab::jobs::JobRequest::Items::File;
        in.request.range = QStringLiteral("0:500");
        in.request.items_file = QStringLiteral("/data/keys.txt");
        in.request.task = throttlelab::jobs::JobRequest::Task::Command;
        in.request.command = QStringLiteral("curl -sfO {}");
        in.request.shell = true;
        in.request.synthetic = QStringLiteral("exp:5ms");
        in.request.fail_rate = 0.25;
        in.request.stash_path = QStringLiteral("/data/fetch.db");
        in.request.workers = QStringLiteral("-1");
        in.request.chunk_size = 50;
        in.limit = JobLimit::None;
        in.max_n = 7;
        in.per = 2.5;
        in.request.stop_if_error = true;
        in.request.reprocess_failures = true;
        {
            JobsView a;
            a.setInputs(in);
            QVERIFY(a.inputs() == in);
            a.saveSettings(settings);
        }
        JobsView b;
        QVERIFY(b.inputs() == JobInputs());
        b.restoreSettings(settings);
        QVERIFY(b.inputs() == in);

        // Nonsense in the settings keeps the defaults.
        settings.setValue(QStringLiteral("jobs/max_n"), QStringLiteral("lots"));
        settings.setValue(QStringLiteral("jobs/fail_rate"), 7);
        settings.setValue(QStringLiteral("jobs/stash"), QString());
        const JobInputs loaded = loadJobInputs(settings);
        QCOMPARE(loaded.max_n, JobInputs().max_n);
        QCOMPARE(loaded.request.fail_rate, JobInputs().request.fail_rate);
        QCOMPARE(loaded.request.stash_path, defaultJobStashPath());
    }

    void mainWindowHasTheTabAndLogsJobEvents() {
        LaunchOptions o = testOptions("jobs");
        o.persist = false;
        o.view = QStringLiteral("jobs");
        QTemporaryDir dir;
        MainWindow w(o);
        auto* tabs = w.findChild<QTabWidget*>();
        QVERIFY(tabs);
        QVERIFY(tabs->currentWidget()->isAncestorOf(w.jobsView()));
        QCOMPARE(tabs->tabText(tabs->currentIndex()), QStringLiteral("Jobs"));
        w.jobsView()->setInputs(synthetic(dir.filePath(QStringLiteral("w.db")),
                                          QStringLiteral("50"), QStringLiteral("none"), 0.0));
        QVERIFY(w.jobsView()->startJob().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(w.jobsView()->hasSummary(), kRunTimeoutMs);
        QVERIFY(w.eventLog()->contains(QStringLiteral("job: started 2 worker(s)")));
        QVERIFY(w.eventLog()->contains(QStringLiteral("job: finished: 50 done")));
        w.jobsView()->setInputs(synthetic(dir.filePath(QStringLiteral("w.db")),
                                          QStringLiteral("50"), QStringLiteral("none"), 0.0));
        JobInputs bad = w.jobsView()->inputs();
        bad.request.workers = QStringLiteral("abc");
        w.jobsView()->setInputs(bad);
        QVERIFY(!w.jobsView()->startJob().isEmpty());
        QVERIFY(w.eventLog()->contains(QStringLiteral("job not started: workers 'abc'")));
    }

    void mainWindowPersistsTheJobInputs() {
        LaunchOptions o = testOptions("jobpersist");
        JobInputs in = synthetic(QStringLiteral("/data/persisted.db"), QStringLiteral("5:50"),
                                 QStringLiteral("fixed:1ms"), 0.5);
        {
            MainWindow w(o);
            w.jobsView()->setInputs(in);
            w.close();
        }
        o.name = uniqueName("jobpersist2");
        MainWindow w(o);
        QVERIFY(w.jobsView()->inputs() == in);
    }

    // By default a job takes its permits from the lab's throttle: changing max_n on the left
    // changes the job's rate while it runs.
    void aJobOnTheLabsThrottleFollowsItsLiveChanges() {
        LaunchOptions o = testOptions("joblab");
        o.persist = false;
        QTemporaryDir dir;
        MainWindow w(o);
        w.show();
        w.session()->setWorkerCount(0); // the job's workers are the only takers
        ThrottleConfig c = w.session()->config();
        c.max_n = 10;
        c.per = 1;
        c.mode = PacingMode::Exact;
        c.hardcap = Hardcap::One; // nothing banks: the rate seen is the paced rate
        QCOMPARE(w.session()->applyConfig(c).message(), QString());
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->isRunning(), 10000);
        JobInputs in = synthetic(dir.filePath(QStringLiteral("lab.db")), QStringLiteral("100000"),
                                 QStringLiteral("none"), 0);
        in.limit = JobLimit::Lab;
        w.jobsView()->setInputs(in);
        QVERIFY(w.jobsView()->startJob().isEmpty());
        auto rateNear = [&](double want) {
            const double r = w.session()->stats().latest.rate;
            return r > 0.8 * want && r < 1.2 * want;
        };
        QTRY_VERIFY_WITH_TIMEOUT(rateNear(10), 15000);
        c.max_n = 50;
        QCOMPARE(w.session()->applyConfig(c).message(), QString());
        QTRY_VERIFY_WITH_TIMEOUT(rateNear(50), 15000);
        QVERIFY(w.jobsView()->isRunning());
        w.jobsView()->cancelJob();
        QTRY_VERIFY_WITH_TIMEOUT(!w.jobsView()->isRunning(), kRunTimeoutMs);
    }

    // The lab throttle stops with Stop and restarts with every preset (a clean run): a job on
    // it is held meanwhile, and goes on after, losing nothing (it used to end, its keys
    // missing, its workers read as dead).
    void aJobOnTheLabsThrottleIsHeldWhileItStops() {
        LaunchOptions o = testOptions("jobhold");
        o.persist = false;
        QTemporaryDir dir;
        MainWindow w(o);
        w.show();
        w.session()->setWorkerCount(0);
        ThrottleConfig c = w.session()->config();
        c.max_n = 200;
        c.per = 1;
        c.mode = PacingMode::Exact;
        c.hardcap = Hardcap::One;
        QCOMPARE(w.session()->applyConfig(c).message(), QString());
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->isRunning(), 10000);
        JobInputs in = synthetic(dir.filePath(QStringLiteral("hold.db")), QStringLiteral("300"),
                                 QStringLiteral("none"), 0);
        in.limit = JobLimit::Lab;
        in.request.workers = QStringLiteral("2");
        w.jobsView()->setInputs(in);
        QVERIFY(w.jobsView()->startJob().isEmpty());
        auto done = [&] { return w.jobsView()->progressBar()->value(); };
        QTRY_VERIFY_WITH_TIMEOUT(done() > 20, 15000);

        w.session()->stop();
        QTRY_VERIFY_WITH_TIMEOUT(w.jobsView()->isHeld(), 10000);
        QVERIFY(w.jobsView()->statusText().startsWith(QStringLiteral("Held:")));
        QVERIFY(w.eventLog()->contains(QStringLiteral("job: held while the lab throttle")));
        QTest::qWait(400); // results granted before the stop arrive
        const int at_stop = done();
        QTest::qWait(600);
        QVERIFY(w.jobsView()->isRunning()); // held, not ended
        QCOMPARE(done(), at_stop);          // and nothing is granted while stopped

        QCOMPARE(w.session()->start(), QString());
        QTRY_VERIFY_WITH_TIMEOUT(!w.jobsView()->isHeld(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(done() > at_stop + 10, 15000);
        QCOMPARE(w.session()->startCleanRun(), QString()); // what a preset does
        QTRY_VERIFY_WITH_TIMEOUT(!w.jobsView()->isRunning(), kRunTimeoutMs);
        const jobs::JobSummary s = w.jobsView()->lastSummary();
        QCOMPARE(s.progress.done, 300LL);
        QCOMPARE(s.lost, 0LL);
        QCOMPARE(s.missing, 0LL);
        QVERIFY(!s.cancelled);
    }

    void closingTheWindowEndsARunningJob() {
        LaunchOptions o = testOptions("jobclose");
        o.persist = false;
        QTemporaryDir dir;
        QList<qint64> workers;
        {
            MainWindow w(o);
            w.show();
            JobInputs in = synthetic(dir.filePath(QStringLiteral("c.db")), QStringLiteral("1000"),
                                     QStringLiteral("fixed:50ms"), 0);
            in.limit = JobLimit::Own;
            in.max_n = 5;
            w.jobsView()->setInputs(in);
            QVERIFY(w.jobsView()->startJob().isEmpty());
            QTRY_COMPARE_WITH_TIMEOUT(
                childrenRunning(QStringLiteral("throttlelab-job-worker")).size(), 2, kRunTimeoutMs);
            workers = childrenRunning(QStringLiteral("throttlelab-job-worker"));
            w.close();
            QVERIFY(!w.jobsView()->isRunning());
        }
        QTRY_VERIFY_WITH_TIMEOUT(!anyAlive(workers), 3000);
    }
};

QTEST_MAIN(TestJobs)
#include "tst_ui_jobs.moc"
