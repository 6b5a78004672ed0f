#pragma once
// The session's story in one scrolling list: starts, stops, config changes, worker exits,
// helper restarts and errors, each with the wall-clock time a class can refer to.
#include <QPlainTextEdit>
#include <QStringList>

namespace throttlelab::ui {

class EventLog : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit EventLog(QWidget* parent = nullptr);
    void append(const QString& line);
    QStringList lines() const;
    bool contains(const QString& text) const;
};

} // namespace throttlelab::ui
