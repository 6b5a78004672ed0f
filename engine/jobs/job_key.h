#pragma once
// A job's key is bytes: a line of the items file exactly as it was (less its line end and the
// blanks around it), never decoded. It reaches the command unchanged; where text is needed (a
// message, a table, JSON) it is shown escaped, and stored so that it reads back byte for byte.
#include <QByteArray>
#include <QString>

namespace throttlelab::jobs {

// True when `bytes` is valid UTF-8, so it can travel as text and come back unchanged.
bool isUtf8Text(const QByteArray& bytes);
// The key for people: UTF-8 as is, other bytes and control characters as \xNN.
QString displayKey(const QByteArray& key);

} // namespace throttlelab::jobs
