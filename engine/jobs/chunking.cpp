#include "chunking.h"

#include <algorithm>

namespace throttlelab::jobs {

std::vector<Chunk> planChunks(std::size_t keys, std::size_t chunk_size, int workers) {
    std::vector<Chunk> chunks;
    if (keys == 0) return chunks;
    std::size_t size = chunk_size;
    if (size == 0) {
        const std::size_t w = std::size_t(std::max(workers, 1));
        size = (keys + w - 1) / w;
    }
    for (std::size_t begin = 0; begin < keys; begin += size)
        chunks.push_back({begin, std::min(keys, begin + size)});
    return chunks;
}

} // namespace throttlelab::jobs
