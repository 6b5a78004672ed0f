// The worker table model under QAbstractItemModelTester through inserts, updates, removals.
#include "worker_table_model.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace throttlelab::ui;

namespace {
WorkerRow row(qint64 pid, std::uint64_t permits, bool alive = true, bool own = true) {
    WorkerRow r;
    r.pid = pid;
    r.permits = permits;
    r.alive = alive;
    r.own = own;
    r.state = alive ? QStringLiteral("waiting") : QStringLiteral("killed (signal 9)");
    r.last_permit_age_s = alive ? 0.5 : -1;
    r.rate = 3.5;
    return r;
}
} // namespace

class TestModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void workerTable_data() {
        QTest::addColumn<QList<QVector<WorkerRow>>>("steps");
        QTest::addColumn<QList<qint64>>("final_pids");
        QTest::newRow("grow") << QList<QVector<WorkerRow>>{{},
                                                           {row(1, 0)},
                                                           {row(1, 1), row(2, 0), row(3, 0)}}
                              << QList<qint64>{1, 2, 3};
        QTest::newRow("shrink") << QList<QVector<WorkerRow>>{{row(1, 0), row(2, 0), row(3, 0)},
                                                             {row(2, 5)},
                                                             {}}
                                << QList<qint64>{};
        QTest::newRow("crash keeps row")
            << QList<QVector<WorkerRow>>{{row(1, 4), row(2, 4)}, {row(2, 6), row(1, 4, false)}}
            << QList<qint64>{2, 1};
        // An ended worker's row folds below the live ones, and new live ones go above it.
        QTest::newRow("ended rows fold below live ones")
            << QList<QVector<WorkerRow>>{{row(1, 1), row(2, 1), row(3, 1)},
                                         {row(1, 1, false), row(2, 2), row(3, 2), row(4, 0)},
                                         {row(1, 1, false), row(2, 3), row(3, 3, false), row(4, 1),
                                          row(5, 0)}}
            << QList<qint64>{2, 4, 5, 1, 3};
        QTest::newRow("reorder and duplicates")
            << QList<QVector<WorkerRow>>{{row(5, 1), row(6, 1)},
                                         {row(7, 0, true, false), row(6, 2), row(6, 2, false),
                                          row(5, 3)}}
            << QList<qint64>{5, 7, 6};
    }
    void workerTable() {
        QFETCH(QList<QVector<WorkerRow>>, steps);
        QFETCH(QList<qint64>, final_pids);
        WorkerTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        for (const auto& rows : steps) {
            model.setRows(rows);
            for (int r = 0; r < model.rowCount(); ++r)
                for (int c = 0; c < model.columnCount(); ++c)
                    for (int role :
                         {int(Qt::DisplayRole), int(Qt::ToolTipRole), int(Qt::ForegroundRole),
                          int(Qt::TextAlignmentRole), int(WorkerTableModel::PidRole)})
                        model.data(model.index(r, c), role);
        }
        QList<qint64> pids;
        for (const WorkerRow& r : model.rows())
            pids << r.pid;
        QCOMPARE(pids, final_pids);
        QCOMPARE(model.columnCount(), int(WorkerTableModel::ColumnCount));
        QVERIFY(model.headerData(WorkerTableModel::Pid, Qt::Horizontal).toString() ==
                QLatin1String("pid"));
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "tst_ui_models.moc"
