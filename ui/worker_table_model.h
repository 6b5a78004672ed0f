#pragma once
// The workers as a table: every process holding a slot in the throttle's segment (started here
// or from outside) plus the recent exits of the app's own workers. Rows are keyed by pid and
// updated in place, so a selection survives the 5 Hz refresh; a worker that ends moves below
// the live ones, so the live ones are always on top.
#include "engine_session.h"

#include <QAbstractTableModel>
#include <QVector>

namespace throttlelab::ui {

class WorkerTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Pid, Source, State, Permits, LastPermit, Rate, Share, Kill, ColumnCount };
    enum Role { PidRole = Qt::UserRole + 1, AliveRole };

    explicit WorkerTableModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void setRows(const QVector<WorkerRow>& rows);
    const QVector<WorkerRow>& rows() const { return rows_; }
    int rowOfPid(qint64 pid) const;

private:
    QVector<WorkerRow> rows_;
};

} // namespace throttlelab::ui
