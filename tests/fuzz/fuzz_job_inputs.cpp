// libFuzzer: what a user or a worker hands a batch job: command templates, --range,
// --workers, and worker result lines. Each is parsed or refused with one line; a parsed
// result line survives a round trip unchanged.
#include "item_result.h"
#include "job_items.h"
#include "task_spec.h"
#include "worker_count.h"

#include <cstdint>

namespace {

void refusedOnOneLine(bool parsed, const QString& error) {
    if (!parsed && (error.isEmpty() || error.contains(u'\n'))) __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace throttlelab::jobs;
    const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
    const QString text = QString::fromUtf8(bytes);
    QString error;

    const auto words = splitCommandLine(text, &error);
    refusedOnOneLine(bool(words), error);

    error.clear();
    const auto range = ItemSource::parseRange(text, &error);
    refusedOnOneLine(bool(range), error);
    if (range && (range->range_stop <= range->range_start ||
                  range->range_stop - range->range_start > kMaxItems))
        __builtin_trap();

    error.clear();
    const int cores = size > 0 ? 1 + data[0] % 64 : 2;
    const auto workers = resolveWorkerCount(text, cores, &error);
    refusedOnOneLine(bool(workers), error);
    if (workers && (*workers < 1 || *workers > kMaxJobWorkers)) __builtin_trap();

    error.clear();
    const auto result = ItemResult::fromLine(bytes, &error);
    refusedOnOneLine(bool(result), error);
    if (result) {
        const auto again = ItemResult::fromLine(result->toLine(), &error);
        if (!again || again->checksum() != result->checksum() || again->key != result->key)
            __builtin_trap();
    }
    return 0;
}
