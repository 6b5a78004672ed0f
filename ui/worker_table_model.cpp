#include "worker_table_model.h"

#include "number_format.h"

#include <QBrush>
#include <QColor>
#include <QHash>

namespace throttlelab::ui {

WorkerTableModel::WorkerTableModel(QObject* parent)
    : QAbstractTableModel(parent) {}

int WorkerTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(rows_.size());
}

int WorkerTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WorkerTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Pid:
        return tr("pid");
    case Source:
        return tr("started by");
    case State:
        return tr("state");
    case Permits:
        return tr("permits");
    case LastPermit:
        return tr("last permit");
    case Rate:
        return tr("rate /s");
    case Share:
        return tr("share");
    case Kill:
        return tr("crash it");
    }
    return {};
}

QVariant WorkerTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const WorkerRow& r = rows_[index.row()];
    if (role == PidRole) return r.pid;
    if (role == AliveRole) return r.alive;
    if (role == Qt::ForegroundRole && !r.alive) return QBrush(QColor(150, 150, 150));
    if (role == Qt::ForegroundRole && index.column() == State &&
        r.state.startsWith(QLatin1String("killed")))
        return QBrush(QColor(200, 30, 30));
    if (role == Qt::ToolTipRole && index.column() == Rate)
        return tr("Permits per second over the monitor's window (per, at least 1 s)");
    if (role == Qt::ToolTipRole && index.column() == Share)
        return tr("This worker's part of all permits granted in that window");
    if (role == Qt::TextAlignmentRole &&
        (index.column() == Permits || index.column() == Rate || index.column() == Share ||
         index.column() == LastPermit || index.column() == Pid))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == Kill)
        return r.alive ? tr("Send SIGKILL to %1, as a crash would").arg(r.pid) : QVariant();
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case Pid:
        return r.pid;
    case Source:
        return r.own ? tr("this app") : tr("outside");
    case State:
        return r.state;
    case Permits:
        return QVariant::fromValue<qulonglong>(r.permits);
    case LastPermit:
        if (!r.alive || r.last_permit_age_s < 0) return QStringLiteral("-");
        return tr("%1 s ago").arg(r.last_permit_age_s, 0, 'f', r.last_permit_age_s < 10 ? 2 : 0);
    case Rate:
        return r.alive ? formatRate(r.rate) : QStringLiteral("-");
    case Share:
        return r.alive ? QStringLiteral("%1%").arg(r.share_percent, 0, 'f', 1)
                       : QStringLiteral("-");
    case Kill:
        return r.alive ? tr("SIGKILL") : QString();
    }
    return {};
}

int WorkerTableModel::rowOfPid(qint64 pid) const {
    for (int i = 0; i < rows_.size(); ++i)
        if (rows_[i].pid == pid) return i;
    return -1;
}

void WorkerTableModel::setRows(const QVector<WorkerRow>& incoming) {
    // Rows of a pid that vanished go, rows seen before update in place, new pids go last.
    QHash<qint64, int> wanted;
    for (int i = 0; i < incoming.size(); ++i)
        wanted.insert(incoming[i].pid, i);
    for (int i = int(rows_.size()) - 1; i >= 0; --i) {
        if (wanted.contains(rows_[i].pid)) continue;
        beginRemoveRows({}, i, i);
        rows_.removeAt(i);
        endRemoveRows();
    }
    // A row whose worker just ended goes below the live ones.
    for (int i = int(rows_.size()) - 1; i >= 0; --i) {
        const WorkerRow& next = incoming[wanted.value(rows_[i].pid)];
        if (!rows_[i].alive || next.alive) continue;
        const int last = int(rows_.size()) - 1;
        if (i == last) continue;
        beginMoveRows({}, i, i, {}, last + 1);
        rows_.move(i, last);
        endMoveRows();
    }
    QHash<qint64, bool> present;
    for (int i = 0; i < rows_.size(); ++i) {
        present.insert(rows_[i].pid, true);
        rows_[i] = incoming[wanted.value(rows_[i].pid)];
    }
    if (!rows_.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(rows_.size()) - 1, ColumnCount - 1));
    QVector<WorkerRow> added;
    for (const WorkerRow& r : incoming)
        if (!present.contains(r.pid)) {
            present.insert(r.pid, true); // a pid listed twice (slot + exit) shows once
            added.append(r);
        }
    if (added.isEmpty()) return;
    // New live workers go above the ended ones, new ended ones last.
    int live = 0;
    while (live < rows_.size() && rows_[live].alive)
        ++live;
    for (const WorkerRow& r : added) {
        const int at = r.alive ? live++ : int(rows_.size());
        beginInsertRows({}, at, at);
        rows_.insert(at, r);
        endInsertRows();
    }
}

} // namespace throttlelab::ui
