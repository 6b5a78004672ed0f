#pragma once
// throttlectl: the command line for scripting and tests. Exit status 0 on success, 2 on bad
// input (one line naming the option and what is accepted), 1 on other failures.
#include <QStringList>

namespace throttlelab::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;

int run(const QStringList& args); // args[0] is the program name

int commandRun(const QStringList& args);
int commandCalibrate(const QStringList& args);
int commandInspect(const QStringList& args);
int commandSet(const QStringList& args);
int commandStop(const QStringList& args);
int commandRemove(const QStringList& args);
int commandBench(const QStringList& args);
int commandBenchShared(const QStringList& args);
int commandSoak(const QStringList& args);
int commandJob(const QStringList& args);
int commandPipeline(const QStringList& args);

} // namespace throttlelab::cli
