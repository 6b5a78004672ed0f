#pragma once
// The framing of a long-lived ("serve") stage: one process per worker reads requests on
// stdin and answers on stdout, one record per line, in order. Each record is a JSON object on
// one line, so keys and outputs holding newlines, quotes or any text survive (JSON escapes
// them), and a stage can be written in any language with a JSON parser:
//   request:  {"key": "k", "input": "the previous stage's output"}
//   response: {"ok": true, "output": "..."}  or  {"ok": false, "error": "why"}
// Bytes that are not UTF-8 travel base64-encoded instead: "key_base64", "input_base64",
// "output_base64".
#include <QByteArray>
#include <QString>
#include <optional>

namespace throttlelab::pipeline {

struct ServeRequest {
    QByteArray key;
    QByteArray input;
};

struct ServeResponse {
    bool ok = false;
    QByteArray output;
    QString error;
};

// One line, ending in '\n'.
QByteArray encodeRequest(const ServeRequest& r);
QByteArray encodeResponse(const ServeResponse& r);
// From one line (its '\n' optional); nullopt with one line in `error` for anything else.
std::optional<ServeRequest> decodeRequest(const QByteArray& line, QString* error);
std::optional<ServeResponse> decodeResponse(const QByteArray& line, QString* error);

// A response line longer than this ends the stage's process: it does not speak the framing.
constexpr qsizetype kMaxServeLineBytes = 96 * 1024 * 1024;

} // namespace throttlelab::pipeline
