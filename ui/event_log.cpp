#include "event_log.h"

#include <QFontDatabase>
#include <QTime>

namespace throttlelab::ui {

EventLog::EventLog(QWidget* parent)
    : QPlainTextEdit(parent) {
    setReadOnly(true);
    setMaximumBlockCount(5000); // a long session must not grow without bound
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setPlaceholderText(tr("Events appear here"));
}

void EventLog::append(const QString& line) {
    appendPlainText(QTime::currentTime().toString(QStringLiteral("HH:mm:ss.zzz  ")) + line);
}

QStringList EventLog::lines() const {
    return toPlainText().split(u'\n', Qt::SkipEmptyParts);
}

bool EventLog::contains(const QString& text) const {
    return toPlainText().contains(text);
}

} // namespace throttlelab::ui
