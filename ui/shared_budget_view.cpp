#include "shared_budget_view.h"

#include "engine_session.h"
#include "number_format.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace throttlelab::ui {

SharedBudgetView::SharedBudgetView(EngineSession* session, QWidget* parent)
    : QWidget(parent)
    , session_(session) {
    url_ = new QLineEdit;
    url_->setPlaceholderText(tr("redis://HOST:PORT/DB?key=NAME  (empty: this machine only)"));
    url_->setClearButtonEnabled(true);
    policy_ = new QComboBox;
    policy_->addItem(tr("default (closed for window, else local)"), QString());
    policy_->addItem(tr("closed: no permits until Redis is back"), QStringLiteral("closed"));
    policy_->addItem(tr("open: no limit while Redis is gone"), QStringLiteral("open"));
    policy_->addItem(tr("local: this machine's share, max_n / machines"), QStringLiteral("local"));
    apply_ = new QPushButton(tr("Apply (starts a clean run)"));
    error_ = new QLabel;
    error_->setWordWrap(true);
    error_->setStyleSheet(QStringLiteral("color: #b00020"));
    state_ = new QLabel(tr("this machine only"));
    state_->setWordWrap(true);
    budget_ = new QLabel;
    budget_->setWordWrap(true);
    machines_ = new QTableWidget(0, 6);
    machines_->setHorizontalHeaderLabels(
        {tr("host"), tr("pid"), tr("in the last window"), tr("rate"), tr("last seen"), tr("link")});
    machines_->horizontalHeader()->setStretchLastSection(true);
    machines_->verticalHeader()->hide();
    machines_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    machines_->setMinimumHeight(140);

    auto* form = new QFormLayout;
    form->addRow(tr("Redis"), url_);
    form->addRow(tr("when Redis is gone"), policy_);
    form->addRow(QString(), apply_);
    form->addRow(error_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(state_);
    layout->addWidget(budget_);
    layout->addWidget(machines_, 1);

    connect(apply_, &QPushButton::clicked, this, [this] { apply(); });
    connect(url_, &QLineEdit::returnPressed, this, [this] { apply(); });
    connect(&reading_, &QFutureWatcher<Read>::finished, this,
            [this] { showMachines(reading_.result()); });
    timer_.setInterval(500);
    connect(&timer_, &QTimer::timeout, this, &SharedBudgetView::refresh);
    timer_.start();
}

SharedBudgetView::~SharedBudgetView() {
    timer_.stop();
    reading_.waitForFinished(); // at most one read, bounded by its 0.5 s timeouts
}

void SharedBudgetView::setBackend(const QString& url, const QString& policy) {
    url_->setText(url);
    const int i = policy_->findData(policy);
    policy_->setCurrentIndex(i < 0 ? 0 : i);
}

QString SharedBudgetView::apply() {
    const QString url = url_->text().trimmed();
    const QString word = policy_->currentData().toString();
    const std::optional<BackendLossPolicy> policy =
        word.isEmpty() ? std::nullopt : parseBackendLossPolicy(word);
    const QString e = session_->setBackend(url, policy);
    error_->setText(e);
    url_->setStyleSheet(e.isEmpty() ? QString() : QStringLiteral("border: 2px solid #b00020"));
    if (!e.isEmpty()) Q_EMIT logged(tr("budget not shared: %1").arg(e));
    refresh();
    return e;
}

QString SharedBudgetView::statusLine() const {
    const BackendInfo b = session_->backendInfo();
    if (!b.shared()) return {};
    if (b.state == QLatin1String("lost"))
        return tr("budget LOST for %1 s: %2").arg(toSeconds(b.state_for_ns), 0, 'f', 1).arg(b.feed);
    return tr("budget %1, %2 machine(s)").arg(b.state).arg(b.machines);
}

void SharedBudgetView::refresh() {
    const BackendInfo b = session_->backendInfo();
    if (!b.shared()) {
        state_->setText(
            session_->backendUrl().isEmpty()
                ? tr("This machine only: the budget is the lab's own.")
                : tr("Shared through %1 from the next start.").arg(session_->backendUrl()));
        budget_->clear();
        machines_->setRowCount(0);
        return;
    }
    QString state = tr("Link %1 for %2 s; permits %3; when Redis is gone: %4.")
                        .arg(b.state)
                        .arg(toSeconds(b.state_for_ns), 0, 'f', 1)
                        .arg(b.feed, b.policy);
    if (b.outages > 0) state += tr(" %1 outage(s) so far.").arg(b.outages);
    if (!b.error.isEmpty()) state += tr("\nLast error: %1").arg(b.error);
    state_->setText(state);
    state_->setStyleSheet(b.state == QLatin1String("lost") ? QStringLiteral("color: #b00020")
                                                           : QString());
    if (reading_.isRunning() || !isVisible()) return;
    const QString url_text = b.url;
    const QString name = session_->name();
    reading_.setFuture(QtConcurrent::run([url_text, name] {
        Read r;
        QString e;
        if (const auto url = BackendUrl::parse(url_text, &e))
            r.ok = backend::readBudget(*url, url->keyOr(name), &r.view, &r.error);
        else
            r.error = e;
        return r;
    }));
}

void SharedBudgetView::showMachines(const Read& read) {
    if (!read.ok) {
        budget_->setText(tr("Every machine: cannot be read now (%1).").arg(read.error));
        return;
    }
    const backend::BudgetView& v = read.view;
    int live = 0;
    for (const backend::BudgetMember& m : v.members)
        live += m.live ? 1 : 0;
    budget_->setText(tr("The whole budget: %1 per %2 s, hardcap %3; %4 permits in the last "
                        "window, %5/s over %6 live machine(s).")
                         .arg(v.max_n)
                         .arg(v.per)
                         .arg(v.hardcap)
                         .arg(v.takenInWindow())
                         .arg(formatRate(v.rate()))
                         .arg(live));
    machines_->setRowCount(int(v.members.size()));
    for (int row = 0; row < v.members.size(); ++row) {
        const backend::BudgetMember& m = v.members[row];
        const QStringList cells{m.host,
                                QString::number(m.pid),
                                QString::number(m.taken_in_window),
                                formatRate(m.rate) + QStringLiteral("/s"),
                                tr("%1 s ago").arg(m.last_seen_s, 0, 'f', 1),
                                m.live ? m.state : tr("gone")};
        for (int col = 0; col < cells.size(); ++col)
            machines_->setItem(row, col, new QTableWidgetItem(cells[col]));
    }
}

} // namespace throttlelab::ui
