#pragma once
// What the benchmarks share: a throttle with worker processes, started and ended as a unit.
#include "executable_lookup.h"
#include "process_supervisor.h"
#include "throttle.h"

#include <memory>
#include <vector>

namespace throttlelab::bench {

QString benchName(const char* what);
void sleepSeconds(double s);

class WorkerPool {
public:
    explicit WorkerPool(const QString& name)
        : name_(name) {}
    ~WorkerPool() { finish(); }
    QString start(int count);
    void finish();

private:
    QString name_;
    ProcessSupervisor children_;
};

double percentile(std::vector<double> v, double p);

} // namespace throttlelab::bench
