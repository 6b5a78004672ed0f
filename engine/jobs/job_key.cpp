#include "job_key.h"

namespace throttlelab::jobs {

bool isUtf8Text(const QByteArray& bytes) {
    // Decoding replaces every invalid sequence with U+FFFD, whose encoding differs from the
    // bytes it replaced: only valid UTF-8 survives the round trip.
    return QString::fromUtf8(bytes).toUtf8() == bytes;
}

QString displayKey(const QByteArray& key) {
    QString out;
    qsizetype i = 0;
    while (i < key.size()) {
        // The longest valid UTF-8 sequence starting here (1 to 4 bytes), else one raw byte.
        qsizetype length = 0;
        for (qsizetype n = 1; n <= 4 && i + n <= key.size(); ++n)
            if (isUtf8Text(key.mid(i, n))) {
                length = n;
                break;
            }
        const uchar first = uchar(key[i]);
        if (length == 0 || first < 0x20 || first == 0x7f || first == '\\') {
            out += first == '\\' ? QStringLiteral("\\\\")
                                 : QStringLiteral("\\x%1").arg(first, 2, 16, QChar(u'0'));
            ++i;
            continue;
        }
        out += QString::fromUtf8(key.mid(i, length));
        i += length;
    }
    return out;
}

} // namespace throttlelab::jobs
