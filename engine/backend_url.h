#pragma once
// Where a shared budget lives: a Redis server and the key every machine sharing the budget
// names. Parsing is pure (no connection is made) so a bad URL is refused before anything
// starts, with one line saying what is accepted.
//
// Accepted forms:
//   redis://HOST[:PORT][/DB][?key=NAME]        TCP; PORT defaults to 6379, DB to 0
//   redis+unix:///PATH[?db=DB&key=NAME]         a Unix socket
// NAME (letters, digits, '-', '_', '.', ':'; at most 64) defaults to the throttle's name.
#include <QString>
#include <optional>

namespace throttlelab {

struct BackendUrl {
    QString host; // empty for a Unix socket
    int port = 6379;
    QString socket_path; // empty for TCP
    int db = 0;
    QString key; // empty: the throttle's name

    static std::optional<BackendUrl> parse(const QString& text, QString* error);
    // The budget's key, with the throttle's name when the URL named none.
    QString keyOr(const QString& throttle_name) const {
        return key.isEmpty() ? throttle_name : key;
    }
    // "127.0.0.1:6379 db 0" or "/tmp/r.sock db 0": for messages.
    QString where() const;
    bool operator==(const BackendUrl&) const = default;
};

} // namespace throttlelab
