#include "worker_loop.h"

#include "process_identity.h"
#include "throttle_client.h"

#include <unistd.h>

namespace throttlelab {

int runWorker(const WorkerOptions& o, QString* error) {
    auto client = ThrottleClient::attach(o.name, AttachAs::Worker, error);
    if (!client) return 1;
    usePreciseTimers();
    std::mt19937_64 rng(o.seed ? o.seed : std::uint64_t(getpid()) * 0x9E3779B97F4A7C15ull);
    for (long long done = 0; o.max_permits < 0 || done < o.max_permits; ++done) {
        const WaitResult r = client->awaitFuel();
        if (r == WaitResult::Killed) return 0;
        if (r == WaitResult::Gone) {
            *error = QStringLiteral("the throttle '%1' went away").arg(o.name);
            return 3;
        }
        if (r != WaitResult::Granted) continue;
        performWork(o.profile.sample(rng), o.profile.cpu);
        client->emit();
    }
    return 0;
}

} // namespace throttlelab
