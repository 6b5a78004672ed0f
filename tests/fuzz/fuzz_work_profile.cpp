// libFuzzer: work profiles ("fixed:5ms:cpu" ...): parsed or refused with one line; a parsed
// one prints back to a text that parses to the same profile.
#include "work_profile.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const QString text = QString::fromUtf8(reinterpret_cast<const char*>(data), qsizetype(size));
    QString error;
    const auto profile = throttlelab::WorkProfile::parse(text, &error);
    if (!profile) {
        if (error.isEmpty() || error.contains(u'\n')) __builtin_trap();
        return 0;
    }
    const auto again = throttlelab::WorkProfile::parse(profile->toString(), &error);
    if (!again || again->toString() != profile->toString()) __builtin_trap();
    return 0;
}
