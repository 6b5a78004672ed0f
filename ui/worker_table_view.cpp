#include "worker_table_view.h"

#include "worker_table_model.h"

#include <QApplication>
#include <QHeaderView>
#include <QMouseEvent>
#include <QPainter>
#include <QStyledItemDelegate>

namespace throttlelab::ui {

namespace {

// Paints a push button instead of an editor widget per row: the rows change five times a
// second, and index widgets would have to be recreated each time.
class KillButtonDelegate : public QStyledItemDelegate {
public:
    KillButtonDelegate(WorkerTableView* view)
        : QStyledItemDelegate(view)
        , view_(view) {}

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override {
        if (!index.data(WorkerTableModel::AliveRole).toBool()) {
            QStyledItemDelegate::paint(painter, option, index);
            return;
        }
        QStyleOptionButton button;
        button.rect = option.rect.adjusted(2, 2, -2, -2);
        button.text = index.data().toString();
        button.state = QStyle::State_Enabled | QStyle::State_Raised;
        button.palette = option.palette;
        button.palette.setColor(QPalette::ButtonText, QColor(180, 20, 20));
        QApplication::style()->drawControl(QStyle::CE_PushButton, &button, painter);
    }

    bool editorEvent(QEvent* event, QAbstractItemModel*, const QStyleOptionViewItem& option,
                     const QModelIndex& index) override {
        if (event->type() != QEvent::MouseButtonRelease) return false;
        auto* me = static_cast<QMouseEvent*>(event);
        if (me->button() != Qt::LeftButton || !option.rect.contains(me->position().toPoint()))
            return false;
        if (!index.data(WorkerTableModel::AliveRole).toBool()) return false;
        Q_EMIT view_->killRequested(index.data(WorkerTableModel::PidRole).toLongLong());
        return true;
    }

private:
    WorkerTableView* view_;
};

} // namespace

WorkerTableView::WorkerTableView(QWidget* parent)
    : QTableView(parent) {
    setItemDelegateForColumn(WorkerTableModel::Kill, new KillButtonDelegate(this));
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setAlternatingRowColors(true);
    verticalHeader()->hide();
    verticalHeader()->setDefaultSectionSize(24);
    horizontalHeader()->setStretchLastSection(true);
    horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
}

} // namespace throttlelab::ui
