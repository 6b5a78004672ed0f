#pragma once
// The keys a job stored as failures, as a table: the key, what failed (exit status, signal or
// timeout, with stderr's last line) and how many attempts it has had. Filled from the stash
// when a run ends or on Refresh; the whole list is replaced at once.
#include "item_result.h"

#include <QAbstractTableModel>
#include <vector>

namespace throttlelab::ui {

class JobFailuresModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Key, Failure, Attempts, ColumnCount };

    explicit JobFailuresModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void setFailures(const std::vector<jobs::ItemResult>& failures);
    void clear();
    QString keyAt(int row) const;

private:
    // Only what the table shows: a failure's stdout can be large and is not listed.
    struct Row {
        QString key;
        QString failure;
        QString stderr_tail;
        int attempts = 0;
    };
    std::vector<Row> rows_;
};

} // namespace throttlelab::ui
