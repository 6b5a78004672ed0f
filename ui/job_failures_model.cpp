#include "job_failures_model.h"

namespace throttlelab::ui {

JobFailuresModel::JobFailuresModel(QObject* parent)
    : QAbstractTableModel(parent) {}

int JobFailuresModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(rows_.size());
}

int JobFailuresModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant JobFailuresModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Key:
        return tr("key");
    case Failure:
        return tr("what failed");
    case Attempts:
        return tr("attempts");
    }
    return {};
}

QVariant JobFailuresModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& r = rows_[std::size_t(index.row())];
    if (role == Qt::TextAlignmentRole && index.column() == Attempts)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    // The table shows stderr's last line; the tooltip has the whole tail the stash kept.
    if (role == Qt::ToolTipRole && index.column() == Failure && !r.stderr_tail.isEmpty())
        return r.stderr_tail;
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case Key:
        return r.key;
    case Failure:
        return r.failure;
    case Attempts:
        return r.attempts;
    }
    return {};
}

void JobFailuresModel::setFailures(const std::vector<jobs::ItemResult>& failures) {
    beginResetModel();
    rows_.clear();
    rows_.reserve(failures.size());
    for (const jobs::ItemResult& f : failures)
        rows_.push_back(
            {jobs::displayKey(f.key), f.describeFailure(), f.error.trimmed(), f.attempts});
    endResetModel();
}

void JobFailuresModel::clear() {
    if (rows_.empty()) return;
    beginResetModel();
    rows_.clear();
    endResetModel();
}

QString JobFailuresModel::keyAt(int row) const {
    return row >= 0 && row < rowCount() ? rows_[std::size_t(row)].key : QString();
}

} // namespace throttlelab::ui
