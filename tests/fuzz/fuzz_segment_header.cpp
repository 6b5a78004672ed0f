// libFuzzer: the segment validator must refuse any bytes that are not a ready segment of this
// layout, without crashing or reading out of bounds, and accept the one valid header.
#include "shared_segment.h"

#include <cstdint>
#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // As mapped: the fuzzer's bytes, at the start of a zeroed buffer of the claimed size.
    const QString verdict = throttlelab::validateSegmentBytes(data, size);
    if (verdict.isEmpty() && size < throttlelab::shm::kSegmentSize) __builtin_trap();
    if (size >= sizeof(throttlelab::shm::Header)) {
        static std::vector<std::uint8_t> mapped(throttlelab::shm::kSegmentSize, 0);
        const std::size_t n = std::min(size, std::size_t(4096));
        std::memcpy(mapped.data(), data, n);
        (void)throttlelab::validateSegmentBytes(mapped.data(), mapped.size());
        std::memset(mapped.data(), 0, n);
    }
    return 0;
}
