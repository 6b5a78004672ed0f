#pragma once
// A job's keys: the lines of a file, or a numeric range. Keys are bytes (job_key.h), unique and
// sorted (numbers by value, then the rest by byte, which is code point order for UTF-8) so every
// run meets them in the same order; the zensols.multi reference takes missing keys in random
// order. A key is its line less the line end and the ASCII blanks around it (reported, not
// silent); a line holding a NUL is refused, as no command argument can carry one.
#include <QByteArray>
#include <QString>
#include <optional>
#include <vector>

namespace throttlelab::jobs {

struct ItemSource {
    QString file;              // one key per line; blank lines are skipped
    bool is_range = false;     // else `file`
    long long range_start = 0; // keys range_start .. range_stop - 1
    long long range_stop = 0;

    // "--range A:B" (A <= key < B) or "--range N" (0 .. N-1); nullopt with one line on error.
    static std::optional<ItemSource> parseRange(const QString& text, QString* error);
    QString describe() const;
};

struct LoadedItems {
    std::vector<QByteArray> keys;
    std::size_t duplicates = 0; // lines that repeated an earlier key, dropped
    std::size_t trimmed = 0;    // keys whose line had blanks around them
};

constexpr int kMaxKeyBytes = 4096;
constexpr long long kMaxItems = 50'000'000;

std::optional<LoadedItems> loadItems(const ItemSource& source, QString* error);
// The order keys are processed in.
bool keyLess(const QByteArray& a, const QByteArray& b);

} // namespace throttlelab::jobs
