#pragma once
// The Budget tab: share the lab's budget with other machines through Redis, and watch it.
// The URL and the loss policy are checked as they are applied (a bad one is marked and
// explained, and nothing changes); the link's state comes from the local segment every half
// second, and the list of every machine on the budget from Redis itself, read off the GUI
// thread so a stalled Redis never freezes the window.
#include "budget_view.h"

#include <QFutureWatcher>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace throttlelab::ui {

class EngineSession;

class SharedBudgetView : public QWidget {
    Q_OBJECT
public:
    explicit SharedBudgetView(EngineSession* session, QWidget* parent = nullptr);
    ~SharedBudgetView() override;

    // Applies the URL and policy as typed; returns the error shown (empty when applied).
    QString apply();
    // Shows values without applying them (the command line's --backend).
    void setBackend(const QString& url, const QString& policy);

    QLineEdit* urlEdit() const { return url_; }
    QComboBox* policyBox() const { return policy_; }
    QLabel* stateLabel() const { return state_; }
    QTableWidget* machineTable() const { return machines_; }
    // One line for the status bar: "" when the budget is this machine's own.
    QString statusLine() const;

Q_SIGNALS:
    void logged(const QString& line);

private:
    struct Read {
        bool ok = false;
        backend::BudgetView view;
        QString error;
    };
    void refresh();
    void showMachines(const Read& read);

    EngineSession* session_;
    QLineEdit* url_;
    QComboBox* policy_;
    QPushButton* apply_;
    QLabel* error_;
    QLabel* state_;
    QLabel* budget_;
    QTableWidget* machines_;
    QTimer timer_;
    QFutureWatcher<Read> reading_;
};

} // namespace throttlelab::ui
