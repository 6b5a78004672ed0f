#pragma once
// The live settings of the throttle and of its workers. Every field is checked as it is typed
// with the engine's own validation: an invalid one turns red, names its accepted range, and
// is not applied; a valid one is applied when editing finishes (Enter or leaving the field).
#include "options.h"

#include <QWidget>

class QLineEdit;
class QComboBox;
class QCheckBox;
class QSpinBox;
class QLabel;

namespace throttlelab::ui {

class ControlPanel : public QWidget {
    Q_OBJECT
public:
    explicit ControlPanel(QWidget* parent = nullptr);

    // Shows values without emitting anything (a preset, the engine's state).
    void setConfig(const ThrottleConfig& config);
    void setWorkerCount(int count);
    void setWorkProfile(const QString& profile);

    // The settings as typed; empty error when they are valid.
    ThrottleConfig editedConfig(ConfigError* error) const;
    QString editedWorkProfile(QString* error) const;
    QString errorText() const;

    QLineEdit* maxNEdit() const { return max_n_; }
    QLineEdit* perEdit() const { return per_; }
    QLineEdit* correctionEdit() const { return correction_; }
    QLineEdit* rfRateEdit() const { return rf_rate_; }
    QLineEdit* workMeanEdit() const { return work_mean_; }
    QComboBox* hardcapBox() const { return hardcap_; }
    QComboBox* modeBox() const { return mode_; }
    QComboBox* distributionBox() const { return distribution_; }
    QSpinBox* workerCountBox() const { return workers_; }
    static bool isMarkedInvalid(const QWidget* field);

Q_SIGNALS:
    void configEdited(const throttlelab::ThrottleConfig& config);
    void workerCountEdited(int count);
    void workProfileEdited(const QString& profile);

private:
    bool validate(); // marks fields; true when everything is valid
    void applyIfValid();
    void applyProfileIfValid();
    void mark(QWidget* field, const QString& error);

    QLineEdit* max_n_;
    QLineEdit* per_;
    QComboBox* hardcap_;
    QComboBox* mode_;
    QLineEdit* correction_;
    QLineEdit* rf_rate_;
    QCheckBox* auto_emit_;
    QLabel* target_;
    QLabel* error_;
    QSpinBox* workers_;
    QComboBox* distribution_;
    QLineEdit* work_mean_;
    QComboBox* work_kind_;
    QLabel* profile_label_;
    bool updating_ = false;
};

} // namespace throttlelab::ui
