#pragma once
// The one CSV writer (RFC 4180): the permit log, the app's history export and the job export
// all write their rows through it, so quoting is decided in one place. It appends to a byte
// buffer the caller writes out whole (a durable file, a QSaveFile, the monitor's log), so a
// file never ends in half a row.
#include <QByteArray>
#include <QStringList>
#include <QStringView>

namespace throttlelab {

class CsvWriter {
public:
    explicit CsvWriter(QByteArray* out)
        : out_(out) {}

    // Text, quoted when it holds a comma, a quote or a line break.
    CsvWriter& field(QStringView text);
    CsvWriter& field(const char* text) { return field(QString::fromUtf8(text)); }
    CsvWriter& field(qint64 n);
    CsvWriter& field(int n) { return field(qint64(n)); }
    CsvWriter& field(unsigned long long n);
    // A number as QByteArray::number writes it: 'f' with `precision` decimals, 'g' with
    // `precision` significant digits.
    CsvWriter& field(double v, char format, int precision);
    CsvWriter& flag(bool b) { return field(qint64(b ? 1 : 0)); }
    void endRow();
    // A header or any row of text fields at once.
    void row(const QStringList& fields);

    static QByteArray quoted(QStringView text);

private:
    void separate();
    QByteArray* out_;
    bool row_started_ = false;
};

} // namespace throttlelab
