#include "calibration_view.h"
#include "number_format.h"

#include "chart_adapter.h"
#include "engine_session.h"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

namespace throttlelab::ui {

CalibrationView::CalibrationView(EngineSession* session, QWidget* parent)
    : QWidget(parent)
    , session_(session) {
    rates_ = new QLineEdit(QStringLiteral("10, 100, 1000, 5000"));
    rates_->setToolTip(tr("Target rates in permits/s, separated by commas (each > 0)"));
    seconds_ = new QDoubleSpinBox;
    seconds_->setRange(0.2, 10);
    seconds_->setSingleStep(0.5);
    seconds_->setValue(1.0);
    seconds_->setSuffix(tr(" s"));
    seconds_->setToolTip(tr("Measuring time of each measurement; calibration uses twice this"));
    run_ = new QPushButton(tr("Run sweep"));
    cancel_ = new QPushButton(tr("Cancel"));
    cancel_->setEnabled(false);
    progress_ = new QProgressBar;
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->setFormat(tr("%p%"));
    apply_ = new QPushButton(tr("Apply correction"));
    apply_->setEnabled(false);
    apply_label_ = new QLabel(tr("Run the sweep to measure classic mode's correction."));
    apply_label_->setWordWrap(true);

    chart_ = new LineChart(tr("Achieved / target over a sweep of rates"), tr("achieved / target"));
    chart_->setXTitle(tr("target permits/s (log)"));
    chart_->setXLog(true);
    ideal_ = chart_->addLine(tr("ideal"), QColor(120, 120, 120), 1.0, Qt::DashLine);
    classic0_ =
        chart_->addLine(tr("classic, correction 0"), QColor(214, 39, 40), 2.0, Qt::SolidLine, true);
    classic_cal_ =
        chart_->addLine(tr("classic, calibrated"), QColor(255, 127, 14), 2.0, Qt::SolidLine, true);
    exact_ = chart_->addLine(tr("exact"), QColor(44, 160, 44), 2.0, Qt::SolidLine, true);
    chart_->setXRange(1, 10000);
    chart_->setYRange(0, 1.2);

    table_ = new QTableWidget(0, 6);
    table_->setHorizontalHeaderLabels({tr("target /s"), tr("classic c=0"), tr("correction"),
                                       tr("classic calibrated"), tr("exact"), tr("note")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->verticalHeader()->hide();
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Rates:")));
    controls->addWidget(rates_, 2);
    controls->addWidget(new QLabel(tr("Time per point:")));
    controls->addWidget(seconds_);
    controls->addWidget(run_);
    controls->addWidget(cancel_);
    controls->addWidget(progress_, 1);
    auto* apply_row = new QHBoxLayout;
    apply_row->addWidget(apply_label_, 1);
    apply_row->addWidget(apply_);

    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(chart_);
    split->addWidget(table_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(split, 1);
    layout->addLayout(apply_row);

    connect(run_, &QPushButton::clicked, this, &CalibrationView::run);
    connect(cancel_, &QPushButton::clicked, &runner_, &CalibrationRunner::cancel);
    connect(apply_, &QPushButton::clicked, this, &CalibrationView::applyCorrection);
    connect(&runner_, &CalibrationRunner::progress, this,
            [this](double f) { progress_->setValue(int(std::lround(f * 1000))); });
    connect(&runner_, &CalibrationRunner::pointReady, this, &CalibrationView::addPoint);
    connect(&runner_, &CalibrationRunner::finished, this, [this](bool cancelled) {
        run_->setEnabled(true);
        cancel_->setEnabled(false);
        Q_EMIT logged(cancelled ? tr("calibration sweep cancelled")
                                : tr("calibration sweep finished"));
        if (resume_after_sweep_) {
            resume_after_sweep_ = false;
            Q_EMIT logged(tr("the live experiment resumes"));
            if (const QString e = session_->start(); !e.isEmpty()) Q_EMIT logged(e);
        }
        Q_EMIT sweepFinished();
    });
    connect(session_, &EngineSession::configChanged, this, &CalibrationView::updateApply);
}

void CalibrationView::setRates(const QList<double>& rates) {
    QStringList parts;
    for (double r : rates)
        parts << QString::number(r, 'g', 10);
    rates_->setText(parts.join(QStringLiteral(", ")));
}

void CalibrationView::setSecondsPerPoint(double seconds) {
    seconds_->setValue(seconds);
}

QList<double> CalibrationView::parseRates(QString* error) const {
    QList<double> out;
    for (const QString& part : rates_->text().split(u',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const double r = part.trimmed().toDouble(&ok);
        if (!ok || !(r > 0) || r > kMaxRatePerSecond) {
            *error = tr("rates: '%1' is not a rate > 0").arg(part.trimmed());
            return {};
        }
        out << r;
    }
    if (out.isEmpty()) *error = tr("rates: give at least one rate, e.g. 10, 100, 1000");
    return out;
}

void CalibrationView::run() {
    if (runner_.isRunning()) return;
    QString error;
    const QList<double> rates = parseRates(&error);
    if (!error.isEmpty()) {
        rates_->setStyleSheet(QStringLiteral("background: #ffd0d0;"));
        rates_->setToolTip(error);
        Q_EMIT logged(error);
        return;
    }
    rates_->setStyleSheet({});
    points_.clear();
    table_->setRowCount(0);
    for (int id : {classic0_, classic_cal_, exact_, ideal_})
        chart_->setPoints(id, {});
    const double lo = *std::min_element(rates.begin(), rates.end());
    const double hi = *std::max_element(rates.begin(), rates.end());
    chart_->setXRange(std::pow(10.0, std::floor(std::log10(lo))),
                      std::pow(10.0, std::ceil(std::log10(hi * 1.01))));
    chart_->setPoints(ideal_, {QPointF(std::pow(10.0, std::floor(std::log10(lo))), 1.0),
                               QPointF(std::pow(10.0, std::ceil(std::log10(hi * 1.01))), 1.0)});
    progress_->setValue(0);
    run_->setEnabled(false);
    cancel_->setEnabled(true);
    Q_EMIT logged(tr("calibration sweep over %1 rates started").arg(rates.size()));
    // The live experiment would share the 2 cores with what the sweep measures (a 5000/s run
    // made classic at 10/s read 13.7/s): it pauses, and resumes once the sweep ends.
    resume_after_sweep_ = session_->isRunning();
    if (resume_after_sweep_) {
        Q_EMIT logged(tr("the live experiment is paused while the sweep measures"));
        session_->stop();
    }
    runner_.start(rates, seconds_->value());
}

void CalibrationView::addPoint(const CalibrationPoint& p) {
    points_.append(p);
    auto line = [&](auto member) {
        QList<QPointF> pts;
        for (const CalibrationPoint& q : points_)
            if (q.target_rate > 0) pts << QPointF(q.target_rate, q.*member / q.target_rate);
        return pts;
    };
    chart_->setPoints(classic0_, line(&CalibrationPoint::classic_uncorrected));
    chart_->setPoints(classic_cal_, line(&CalibrationPoint::classic_corrected));
    chart_->setPoints(exact_, line(&CalibrationPoint::exact));
    double top = 1.2;
    for (const CalibrationPoint& q : points_)
        for (double v : {q.classic_uncorrected, q.classic_corrected, q.exact})
            top = std::max(top, v / q.target_rate * 1.1);
    chart_->setYRange(0, top);

    const int row = table_->rowCount();
    table_->insertRow(row);
    auto ratio = [&](double v) {
        return QStringLiteral("%1 (%2)").arg(v, 0, 'f', 1).arg(v / p.target_rate, 0, 'f', 3);
    };
    const QStringList cells{QString::number(p.target_rate, 'g', 8),
                            ratio(p.classic_uncorrected),
                            formatCorrection(p.correction),
                            ratio(p.classic_corrected),
                            ratio(p.exact),
                            !p.error.isEmpty() ? p.error
                            : p.trusted        ? tr("within 1%")
                                               : tr("not trusted: %1").arg(p.doubt)};
    for (int c = 0; c < cells.size(); ++c) {
        auto* item = new QTableWidgetItem(cells[c]);
        if (!p.trusted || !p.error.isEmpty()) {
            item->setBackground(QColor(255, 235, 200));
            item->setToolTip(tr("Not used by Apply: measure again on a quieter machine, or "
                                "with a longer time per point"));
        }
        table_->setItem(row, c, item);
    }
    if (!p.error.isEmpty())
        Q_EMIT logged(tr("calibration at %1/s: %2").arg(p.target_rate).arg(p.error));
    else if (!p.trusted)
        Q_EMIT logged(tr("calibration at %1/s is not trusted: %2").arg(p.target_rate).arg(p.doubt));
    updateApply();
}

double CalibrationView::suggestedCorrection(double* at_rate) const {
    const double target = session_->config().targetRate();
    const CalibrationPoint* best = nullptr;
    for (const CalibrationPoint& p : points_) {
        if (!p.error.isEmpty() || !p.trusted) continue;
        // Nearest on a log scale: the drift grows with the rate's order of magnitude.
        if (!best || std::abs(std::log(p.target_rate / target)) <
                         std::abs(std::log(best->target_rate / target)))
            best = &p;
    }
    if (at_rate) *at_rate = best ? best->target_rate : 0;
    return best ? best->correction : -1;
}

void CalibrationView::updateApply() {
    double at = 0;
    const double c = suggestedCorrection(&at);
    apply_->setEnabled(c >= 0);
    if (c >= 0)
        apply_label_->setText(
            tr("Apply sets correction %1 (measured at %2/s) on the running throttle; "
               "it matters in classic mode.")
                .arg(c, 0, 'f', 4)
                .arg(at));
}

QString CalibrationView::applyCorrection() {
    const double c = suggestedCorrection();
    if (c < 0) return tr("no calibration measured yet");
    ThrottleConfig config = session_->config();
    config.correction = c;
    const QString e = session_->applyConfig(config).message();
    Q_EMIT logged(e.isEmpty() ? tr("applied calibrated correction %1").arg(formatCorrection(c))
                              : tr("correction not applied: %1").arg(e));
    return e;
}

} // namespace throttlelab::ui
