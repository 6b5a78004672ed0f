#include "pipeline_graph.h"

#include "number_format.h"

namespace throttlelab::pipeline {

namespace {

// A dot string literal: quotes and backslashes escaped, newlines as \n.
QByteArray quoted(const QString& text) {
    QByteArray out = "\"";
    for (char c : text.toUtf8()) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + '"';
}

QString limitText(const StageSpec& s) {
    if (!s.limit) return QStringLiteral("no limit");
    if (!s.limit->attach.isEmpty())
        return QStringLiteral("limit: shares '%1'").arg(s.limit->attach);
    const ThrottleConfig& c = *s.limit->own;
    return QStringLiteral("limit: %1 per %2 s (%3)")
        .arg(c.max_n)
        .arg(c.per)
        .arg(toString(c.hardcap));
}

} // namespace

QByteArray toDot(const PipelineSpec& spec) {
    QByteArray dot = "digraph pipeline {\n  rankdir=LR;\n  node [shape=box, fontname=\"sans\"];\n";
    dot += "  items [shape=note, label=" + quoted(spec.items.describe()) + "];\n";
    dot += "  stash [shape=cylinder, label=\"stash\"];\n";
    QByteArray previous = "items";
    for (std::size_t i = 0; i < spec.stages.size(); ++i) {
        const StageSpec& s = spec.stages[i];
        const QByteArray id = "stage" + QByteArray::number(qulonglong(i));
        const QString label = QStringLiteral("%1\n%2 worker%3%4\n%5")
                                  .arg(s.name)
                                  .arg(s.workers)
                                  .arg(s.workers == 1 ? QString() : QStringLiteral("s"))
                                  .arg(s.serve ? QStringLiteral(", serve") : QString())
                                  .arg(limitText(s));
        dot += "  " + id + " [label=" + quoted(label) + "];\n";
        dot += "  " + previous + " -> " + id +
               " [label=" + quoted(QStringLiteral("queue %1").arg(s.queue)) + "];\n";
        previous = id;
    }
    dot += "  " + previous + " -> stash;\n}\n";
    return dot;
}

} // namespace throttlelab::pipeline
