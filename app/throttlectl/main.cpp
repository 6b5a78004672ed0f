// throttlectl: see cli.h beside this file.
#include "cli.h"

#include <QCoreApplication>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    return throttlelab::cli::run(app.arguments());
}
