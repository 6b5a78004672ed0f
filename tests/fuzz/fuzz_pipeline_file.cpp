// libFuzzer: what a user hands `throttlectl pipeline`: a pipeline file, and the serve
// framing's records from a stage's own program. Each is parsed or refused with one line
// naming what is wrong; a parsed pipeline keeps the limits the parser promises; a record that
// parses survives a round trip unchanged.
#include "pipeline_spec.h"
#include "serve_framing.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace throttlelab::pipeline;
    const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
    PipelineError error;
    const int cores = size > 0 ? 1 + data[0] % 64 : 2;
    const auto spec = parsePipeline(bytes, cores, QStringLiteral("/tmp"), &error);
    if (!spec && (error.message().isEmpty() || error.message().contains(u'\n'))) __builtin_trap();
    if (spec) {
        if (spec->stages.empty() || int(spec->stages.size()) > kMaxStages) __builtin_trap();
        for (const StageSpec& s : spec->stages)
            if (s.workers < 1 || s.queue < 1 || s.queue > kMaxQueue || s.name.isEmpty())
                __builtin_trap();
        // What changed between a pipeline and itself: nothing.
        if (!describeChange(spec->fingerprint(), spec->fingerprint()).isEmpty()) __builtin_trap();
    }
    QString problem;
    if (const auto r = decodeResponse(bytes, &problem)) {
        const auto again = decodeResponse(encodeResponse(*r), &problem);
        if (!again || again->ok != r->ok || again->output != r->output) __builtin_trap();
    } else if (problem.isEmpty() || problem.contains(u'\n')) {
        __builtin_trap();
    }
    if (const auto q = decodeRequest(bytes, &problem)) {
        const auto again = decodeRequest(encodeRequest(*q), &problem);
        if (!again || again->key != q->key || again->input != q->input) __builtin_trap();
    }
    return 0;
}
