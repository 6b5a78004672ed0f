#pragma once
// The C interface's structs and the engine's types, both ways. A struct's `size` says which
// version the caller was built with: inputs are read up to it (later fields keep their
// defaults), outputs written up to it, and a size below the first version is refused.
#include "throttlelab.h"

#include "calibration.h"
#include "config_channel.h"
#include "options.h"
#include "statistics.h"
#include "throttle.h"
#include "throttle_client.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace throttlelab::capi {

// The sizes of the first version of each struct (TL_API_VERSION 2; tl_backend: 3). A later version
// only appends fields, so anything at least this large is understood. tl_options grew in version 3
// (backend_url, on_backend_loss): its version 2 ended before.
constexpr unsigned kOptionsV2Size = offsetof(tl_options, backend_url);
constexpr unsigned kConfigV2Size = sizeof(tl_config);
constexpr unsigned kSummaryV2Size = sizeof(tl_summary);
constexpr unsigned kStatsV2Size = sizeof(tl_stats);
constexpr unsigned kCalibrationV2Size = sizeof(tl_calibration);
constexpr unsigned kBackendV3Size = sizeof(tl_backend);

// False, with TL_ERR_VERSION recorded, when `size` is below `first_version_size`.
bool sizeIsKnown(unsigned size, unsigned first_version_size, const char* struct_name);

// Fills a whole struct of this library's size with its defaults.
void initOptions(tl_options* o);
void initConfig(tl_config* c);
void initSummary(tl_summary* s);
void initStats(tl_stats* s);
void initCalibration(tl_calibration* c);
void initBackend(tl_backend* b);

// TL_OK, or the recorded status of what is wrong (an enum out of range, a NULL pointer).
int fromC(const tl_options* in, ThrottleOptions* out);
int fromC(const tl_config* in, unsigned fields, ConfigPatch* out);

void toC(const RunSummary& in, tl_summary* out);
void toC(const ThrottleConfig& in, tl_config* out);
void toC(const CalibrationResult& in, tl_calibration* out);
void toC(const StatsSnapshot& in, const RunInfo& run, int workers, tl_stats* out);
void toC(const BackendInfo& in, tl_backend* out);
int toC(WaitResult r);

// The caller's struct may be older (smaller) than this library's: the defaults are made in a
// whole struct here and only the caller's `size` bytes of it are copied out.
template <class T> void initUpTo(T* out, unsigned size, void (*init)(T*)) {
    if (!out || size < sizeof(out->size)) return;
    T full{};
    init(&full);
    full.size = std::min<unsigned>(size, sizeof(T));
    std::memcpy(static_cast<void*>(out), &full, std::min<std::size_t>(size, sizeof(T)));
}

} // namespace throttlelab::capi
