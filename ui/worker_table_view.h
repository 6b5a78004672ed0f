#pragma once
// The worker table, with a button in each live row that crashes that worker on purpose.
#include <QTableView>

namespace throttlelab::ui {

class WorkerTableView : public QTableView {
    Q_OBJECT
public:
    explicit WorkerTableView(QWidget* parent = nullptr);

Q_SIGNALS:
    void killRequested(qint64 pid);
};

} // namespace throttlelab::ui
