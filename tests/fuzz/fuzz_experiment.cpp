// libFuzzer: experiment and preset files (JSON): loaded into a configuration that validates,
// or refused with one line; a loaded one saves and reloads to the same experiment.
#include "experiment.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    QString error;
    const auto e = throttlelab::Experiment::fromJson(
        QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)), &error);
    if (!e) {
        if (error.isEmpty() || error.contains(u'\n')) __builtin_trap();
        return 0;
    }
    if (!throttlelab::validateConfig(e->config).isEmpty()) __builtin_trap();
    const auto again = throttlelab::Experiment::fromJson(e->toJson(), &error);
    if (!again || !(again->config == e->config) || again->workers != e->workers) __builtin_trap();
    return 0;
}
