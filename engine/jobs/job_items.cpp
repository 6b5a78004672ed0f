#include "job_items.h"

#include "one_line.h"

#include <QFile>
#include <algorithm>

namespace throttlelab::jobs {
namespace {

std::optional<long long> integerKey(const QByteArray& key) {
    bool ok = false;
    const long long v = key.toLongLong(&ok);
    // "007" and "+7" are names, not numbers: only the canonical spelling sorts by value.
    if (!ok || QByteArray::number(v) != key) return std::nullopt;
    return v;
}

} // namespace

bool keyLess(const QByteArray& a, const QByteArray& b) {
    const auto na = integerKey(a), nb = integerKey(b);
    if (na && nb) return *na < *nb;
    if (na != nb && (na || nb)) return bool(na); // numbers first
    return a < b;
}

std::optional<ItemSource> ItemSource::parseRange(const QString& text, QString* error) {
    const QStringList parts = text.trimmed().split(u':');
    bool ok_a = true, ok_b = false;
    long long a = 0, b = 0;
    if (parts.size() == 1) {
        b = parts[0].toLongLong(&ok_b);
    } else if (parts.size() == 2) {
        a = parts[0].toLongLong(&ok_a);
        b = parts[1].toLongLong(&ok_b);
    }
    if (!ok_a || !ok_b || b <= a || b - a > kMaxItems) {
        *error = QStringLiteral("must be N (keys 0 .. N-1) or A:B (A <= key < B) with "
                                "A < B and at most %1 keys, got '%2'")
                     .arg(kMaxItems)
                     .arg(oneLine(text));
        return std::nullopt;
    }
    ItemSource s;
    s.is_range = true;
    s.range_start = a;
    s.range_stop = b;
    return s;
}

QString ItemSource::describe() const {
    return is_range ? QStringLiteral("range %1:%2").arg(range_start).arg(range_stop)
                    : QStringLiteral("file %1").arg(file);
}

std::optional<LoadedItems> loadItems(const ItemSource& source, QString* error) {
    LoadedItems out;
    if (source.is_range) {
        out.keys.reserve(std::size_t(source.range_stop - source.range_start));
        for (long long k = source.range_start; k < source.range_stop; ++k)
            out.keys.push_back(QByteArray::number(k));
        return out;
    }
    QFile f(source.file);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read '%1': %2").arg(oneLine(source.file), f.errorString());
        return std::nullopt;
    }
    long long line_no = 0;
    while (!f.atEnd()) {
        QByteArray line = f.readLine();
        ++line_no;
        if (line.endsWith('\n')) line.chop(1);
        if (line.endsWith('\r')) line.chop(1); // a CRLF file's line end, not part of the key
        const QByteArray key = line.trimmed();
        if (key.isEmpty()) continue;
        if (key.contains('\0')) {
            *error = QStringLiteral("line %1 of '%2' holds a NUL byte; a key is passed "
                                    "to the command as an argument, which cannot hold one")
                         .arg(line_no)
                         .arg(oneLine(source.file));
            return std::nullopt;
        }
        if (key.size() != line.size()) ++out.trimmed;
        if (line.size() > kMaxKeyBytes) {
            *error = QStringLiteral("line %1 of '%2' is longer than %3 bytes; a key is "
                                    "one line of at most %3 bytes")
                         .arg(line_no)
                         .arg(oneLine(source.file))
                         .arg(kMaxKeyBytes);
            return std::nullopt;
        }
        if (qsizetype(out.keys.size()) >= kMaxItems) {
            *error = QStringLiteral("'%1' has more than %2 keys")
                         .arg(oneLine(source.file))
                         .arg(kMaxItems);
            return std::nullopt;
        }
        out.keys.push_back(key);
    }
    if (out.keys.empty()) {
        *error = QStringLiteral("'%1' has no keys (one key per line is expected)")
                     .arg(oneLine(source.file));
        return std::nullopt;
    }
    std::sort(out.keys.begin(), out.keys.end(), keyLess);
    const auto last = std::unique(out.keys.begin(), out.keys.end());
    out.duplicates = std::size_t(out.keys.end() - last);
    out.keys.erase(last, out.keys.end());
    return out;
}

} // namespace throttlelab::jobs
