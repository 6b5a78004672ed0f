#pragma once
// How a job's keys are cut into chunks, the unit a worker is handed at a time. chunk_size N
// gives groups of N (the last may be shorter); 0 gives one chunk per worker of
// ceil(n / workers) keys, as in the zensols.multi reference (9 keys, 2 workers -> 5 + 4).
// Every key lands in exactly one chunk, in order.
#include <cstddef>
#include <vector>

namespace throttlelab::jobs {

struct Chunk {
    std::size_t begin = 0; // index of the first key
    std::size_t end = 0;   // one past the last
    std::size_t size() const { return end - begin; }
    bool operator==(const Chunk&) const = default;
};

std::vector<Chunk> planChunks(std::size_t keys, std::size_t chunk_size, int workers);

} // namespace throttlelab::jobs
