#pragma once
// What the benchmarks share: a throttle with worker processes, started and ended as a unit.
#include "child_process.h"
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
    std::vector<std::unique_ptr<ChildProcess>> children_;
};

double percentile(std::vector<double> v, double p);

} // namespace throttlelab::bench
