#include "csv_writer.h"

namespace throttlelab {

QByteArray CsvWriter::quoted(QStringView text) {
    const bool plain = !text.contains(u',') && !text.contains(u'"') && !text.contains(u'\n') &&
                       !text.contains(u'\r');
    if (plain) return text.toUtf8();
    QString q = text.toString();
    q.replace(u'"', QStringLiteral("\"\""));
    return '"' + q.toUtf8() + '"';
}

void CsvWriter::separate() {
    if (row_started_) *out_ += ',';
    row_started_ = true;
}

CsvWriter& CsvWriter::field(QStringView text) {
    separate();
    *out_ += quoted(text);
    return *this;
}

CsvWriter& CsvWriter::field(qint64 n) {
    separate();
    *out_ += QByteArray::number(n);
    return *this;
}

CsvWriter& CsvWriter::field(unsigned long long n) {
    separate();
    *out_ += QByteArray::number(n);
    return *this;
}

CsvWriter& CsvWriter::field(double v, char format, int precision) {
    separate();
    *out_ += QByteArray::number(v, format, precision);
    return *this;
}

void CsvWriter::endRow() {
    *out_ += '\n';
    row_started_ = false;
}

void CsvWriter::row(const QStringList& fields) {
    for (const QString& f : fields)
        field(f);
    endRow();
}

} // namespace throttlelab
