#include "control_panel.h"
#include "number_format.h"

#include "experiment.h"
#include "work_profile.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

namespace throttlelab::ui {

namespace {

const char* const kInvalid = "invalid";

QString number(double v) {
    return QString::number(v, 'g', 12);
}

} // namespace

ControlPanel::ControlPanel(QWidget* parent)
    : QWidget(parent) {
    max_n_ = new QLineEdit;
    max_n_->setToolTip(tr("Permits per 'per' seconds: an integer from 1 to %1 (at most %2 with "
                          "hardcap 'window')")
                           .arg(kMaxPermitsPerWindow)
                           .arg(kMaxWindowPermits));
    per_ = new QLineEdit;
    per_->setToolTip(
        tr("The window max_n refers to, in seconds: > 0 and <= %1").arg(kMaxPerSeconds));
    hardcap_ = new QComboBox;
    for (Hardcap h : {Hardcap::Limit, Hardcap::One, Hardcap::None, Hardcap::Window})
        hardcap_->addItem(toString(h), int(h));
    hardcap_->setToolTip(tr("limit: the tank banks at most max_n permits; one: at most 1; none: "
                            "unbounded; window: never more than max_n in any window of 'per'"));
    mode_ = new QComboBox;
    for (PacingMode m : {PacingMode::Exact, PacingMode::Classic})
        mode_->addItem(toString(m), int(m));
    mode_->setToolTip(tr("exact: deadline pacing, needs no calibration; classic: the reference's "
                         "sleep loop, which drifts unless corrected"));
    correction_ = new QLineEdit;
    correction_->setToolTip(
        tr("classic mode sleeps per/max_n x (1 - correction): a number in [0, 1)"));
    rf_rate_ = new QLineEdit;
    rf_rate_->setToolTip(tr("The monitor's refresh period in seconds: > 0 and <= 60"));
    auto_emit_ = new QCheckBox(tr("auto_emit"));
    auto_emit_->setToolTip(tr("Each granted permit counts as an emission at once; off: workers "
                              "emit after their work"));
    target_ = new QLabel;
    error_ = new QLabel;
    error_->setWordWrap(true);
    error_->setStyleSheet(QStringLiteral("color: #c01010;"));

    auto* throttle_box = new QGroupBox(tr("Throttle (applied live)"));
    auto* form = new QFormLayout(throttle_box);
    form->addRow(tr("max_n"), max_n_);
    form->addRow(tr("per (s)"), per_);
    form->addRow(tr("target"), target_);
    form->addRow(tr("hardcap"), hardcap_);
    form->addRow(tr("mode"), mode_);
    form->addRow(tr("correction"), correction_);
    form->addRow(tr("rf_rate (s)"), rf_rate_);
    form->addRow(QString(), auto_emit_);
    form->addRow(error_);

    workers_ = new QSpinBox;
    workers_->setRange(0, kMaxWorkers);
    workers_->setToolTip(tr("Worker processes this app runs (0 to %1)").arg(kMaxWorkers));
    distribution_ = new QComboBox;
    distribution_->addItems({QStringLiteral("none"), QStringLiteral("fixed"),
                             QStringLiteral("uniform"), QStringLiteral("exp")});
    distribution_->setToolTip(tr("Time each worker spends per permit: none, fixed, uniform "
                                 "(mean/2 to 3*mean/2) or exponential"));
    work_mean_ = new QLineEdit(QStringLiteral("5ms"));
    work_mean_->setToolTip(tr("Mean work time with a unit: 250us, 5ms, 1.5s"));
    work_kind_ = new QComboBox;
    work_kind_->addItems({QStringLiteral("sleep"), QStringLiteral("cpu")});
    work_kind_->setToolTip(tr("sleep: the worker idles; cpu: it spins, competing for the cores"));
    profile_label_ = new QLabel;
    profile_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* worker_box = new QGroupBox(tr("Workers"));
    auto* wform = new QFormLayout(worker_box);
    wform->addRow(tr("count"), workers_);
    wform->addRow(tr("work"), distribution_);
    wform->addRow(tr("mean"), work_mean_);
    wform->addRow(tr("kind"), work_kind_);
    wform->addRow(tr("profile"), profile_label_);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(throttle_box);
    layout->addWidget(worker_box);
    layout->addStretch(1);

    for (QLineEdit* e : {max_n_, per_, correction_, rf_rate_}) {
        connect(e, &QLineEdit::textEdited, this, [this] { validate(); });
        connect(e, &QLineEdit::editingFinished, this, &ControlPanel::applyIfValid);
    }
    for (QComboBox* c : {hardcap_, mode_})
        connect(c, &QComboBox::currentIndexChanged, this, &ControlPanel::applyIfValid);
    connect(auto_emit_, &QCheckBox::toggled, this, &ControlPanel::applyIfValid);
    connect(workers_, &QSpinBox::valueChanged, this, [this](int n) {
        if (!updating_) Q_EMIT workerCountEdited(n);
    });
    connect(work_mean_, &QLineEdit::textEdited, this, [this] { validate(); });
    connect(work_mean_, &QLineEdit::editingFinished, this, &ControlPanel::applyProfileIfValid);
    for (QComboBox* c : {distribution_, work_kind_})
        connect(c, &QComboBox::currentIndexChanged, this, &ControlPanel::applyProfileIfValid);

    setConfig(ThrottleConfig{4});
    setWorkProfile(QStringLiteral("none"));
}

bool ControlPanel::isMarkedInvalid(const QWidget* field) {
    return field->property(kInvalid).toBool();
}

void ControlPanel::mark(QWidget* field, const QString& error) {
    const bool bad = !error.isEmpty();
    field->setProperty(kInvalid, bad);
    field->setStyleSheet(bad ? QStringLiteral("background: #ffd0d0; border: 1px solid #d02020;")
                             : QString());
    const QString base = field->property("baseToolTip").toString().isEmpty()
                             ? field->toolTip()
                             : field->property("baseToolTip").toString();
    field->setProperty("baseToolTip", base);
    field->setToolTip(bad ? error + QStringLiteral("\n\n") + base : base);
}

void ControlPanel::setConfig(const ThrottleConfig& c) {
    updating_ = true;
    const QSignalBlocker b1(hardcap_), b2(mode_), b3(auto_emit_);
    max_n_->setText(QString::number(c.max_n));
    per_->setText(number(c.per));
    hardcap_->setCurrentIndex(hardcap_->findData(int(c.hardcap)));
    mode_->setCurrentIndex(mode_->findData(int(c.mode)));
    correction_->setText(formatCorrection(c.correction));
    rf_rate_->setText(number(c.rf_rate));
    auto_emit_->setChecked(c.auto_emit);
    updating_ = false;
    validate();
}

void ControlPanel::setWorkerCount(int count) {
    updating_ = true;
    workers_->setValue(count);
    updating_ = false;
}

void ControlPanel::setWorkProfile(const QString& text) {
    QString error;
    const auto p = WorkProfile::parse(text, &error);
    if (!p) return;
    const QSignalBlocker b1(distribution_), b2(work_kind_);
    distribution_->setCurrentIndex(int(p->distribution));
    Nanos mean = p->a_ns;
    if (p->distribution == WorkProfile::Distribution::Uniform) mean = (p->a_ns + p->b_ns) / 2;
    if (p->distribution != WorkProfile::Distribution::None)
        work_mean_->setText(profileDuration(mean));
    work_kind_->setCurrentIndex(p->cpu ? 1 : 0);
    validate();
}

ThrottleConfig ControlPanel::editedConfig(ConfigError* error) const {
    ThrottleConfig c;
    ConfigError e;
    bool ok = false;
    c.max_n = max_n_->text().trimmed().toLongLong(&ok);
    if (!ok)
        e = {ConfigInput::MaxN, tr("must be an integer from 1 to %1").arg(kMaxPermitsPerWindow)};
    c.per = per_->text().trimmed().toDouble(&ok);
    if (!ok && !e)
        e = {ConfigInput::Per, tr("must be a number of seconds > 0 and <= %1").arg(kMaxPerSeconds)};
    c.correction = correction_->text().trimmed().toDouble(&ok);
    if (!ok && !e) e = {ConfigInput::Correction, tr("must be a number in [0, 1)")};
    c.rf_rate = rf_rate_->text().trimmed().toDouble(&ok);
    if (!ok && !e)
        e = {ConfigInput::RfRate,
             tr("must be a number of seconds from %1 to 60").arg(kMinRefreshSeconds)};
    c.hardcap = Hardcap(hardcap_->currentData().toInt());
    c.mode = PacingMode(mode_->currentData().toInt());
    c.auto_emit = auto_emit_->isChecked();
    if (!e) e = checkConfig(c);
    if (error) *error = e;
    return c;
}

QString ControlPanel::editedWorkProfile(QString* error) const {
    const QString dist = distribution_->currentText();
    QString text;
    if (dist == QLatin1String("none")) {
        text = QStringLiteral("none");
    } else {
        const auto mean = parseDuration(work_mean_->text().trimmed());
        if (!mean) {
            if (error) *error = tr("mean must be a duration with a unit, e.g. 250us, 5ms, 1.5s");
            return {};
        }
        QString amount = profileDuration(*mean);
        if (dist == QLatin1String("uniform"))
            amount = profileDuration(*mean / 2) + u'-' + profileDuration(*mean * 3 / 2);
        text = dist + u':' + amount + u':' + work_kind_->currentText();
    }
    QString e;
    if (!WorkProfile::parse(text, &e)) {
        if (error) *error = tr("work profile %1").arg(e);
        return {};
    }
    if (error) error->clear();
    return text;
}

QString ControlPanel::errorText() const {
    return error_->text();
}

bool ControlPanel::validate() {
    ConfigError refused;
    const ThrottleConfig c = editedConfig(&refused);
    const QString error = refused.message();
    // The field the error is about is marked; a rate too high marks both of its fields.
    auto about = [&](std::initializer_list<ConfigInput> inputs) {
        for (ConfigInput i : inputs)
            if (refused.input == i) return error;
        return QString();
    };
    mark(max_n_, about({ConfigInput::MaxN, ConfigInput::Rate}));
    mark(per_, about({ConfigInput::Per, ConfigInput::Rate}));
    mark(correction_, about({ConfigInput::Correction}));
    mark(rf_rate_, about({ConfigInput::RfRate}));
    QString profile_error;
    const QString profile = editedWorkProfile(&profile_error);
    mark(work_mean_, profile_error);
    profile_label_->setText(profile_error.isEmpty() ? profile : tr("(invalid)"));
    QStringList errors;
    if (!error.isEmpty()) errors << error + tr(" - not applied");
    if (!profile_error.isEmpty()) errors << profile_error + tr(" - not applied");
    error_->setText(errors.join(u'\n'));
    error_->setVisible(!errors.isEmpty());
    target_->setText(error.isEmpty() ? tr("%1 permits/s").arg(c.targetRate(), 0, 'g', 6) : tr("-"));
    return error.isEmpty();
}

void ControlPanel::applyIfValid() {
    if (updating_) return;
    if (!validate()) return;
    Q_EMIT configEdited(editedConfig(nullptr));
}

void ControlPanel::applyProfileIfValid() {
    if (updating_) return;
    validate();
    QString error;
    const QString profile = editedWorkProfile(&error);
    if (error.isEmpty()) Q_EMIT workProfileEdited(profile);
}

} // namespace throttlelab::ui
