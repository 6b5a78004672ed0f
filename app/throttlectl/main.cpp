// throttlectl: see cli.h beside this file. Only --version is answered here, before the
// commands, so it is the same one line (name and the project's version) as every other
// ThrottleLab executable gives, and what help2man reads for the man page.
#include "cli.h"
#include "throttlelab_version.h"

#include <QCoreApplication>
#include <cstdio>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() == 2 && args[1] == u"--version") {
        std::printf("throttlectl %s\n", THROTTLELAB_VERSION);
        return 0;
    }
    return throttlelab::cli::run(args);
}
