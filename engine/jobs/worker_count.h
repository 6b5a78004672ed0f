#pragma once
// How many worker processes a job runs, written the way the zensols.multi reference takes it:
// an int > 0 as is, 0 = every core, a negative n = cores + n (-1 keeps one core free), and a
// fraction in (0, 1] = ceil(fraction x cores). The reference validates none of it; here
// anything that does not resolve to at least one worker is refused.
#include <QString>
#include <optional>

namespace throttlelab::jobs {

// `cores` is injected so the rule is testable on any machine; nullopt sets `error` to one
// line naming what is accepted.
std::optional<int> resolveWorkerCount(const QString& spec, int cores, QString* error);

// The upper bound on workers a job starts, whatever the spec: beyond it the stash's single
// writer, not the workers, is the limit.
constexpr int kMaxJobWorkers = 256;

} // namespace throttlelab::jobs
