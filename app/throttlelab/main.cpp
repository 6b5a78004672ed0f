// The ThrottleLab desktop application; everything but argument handling lives in the ui library.
#include "command_line.h"
#include "main_window.h"
#include "screenshot_run.h"
#include "throttlelab_version.h"

#include <QApplication>
#include <cstdio>

int main(int argc, char** argv) {
    // Arguments are checked before the GUI starts, so a bad one gives exactly one line on
    // stderr and no platform start-up noise.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    throttlelab::ui::LaunchOptions options;
    QString message;
    switch (throttlelab::ui::parseCommandLine(arguments, &options, &message)) {
    case throttlelab::ui::ParseOutcome::ExitOk:
        std::fputs(qPrintable(message), stdout);
        return 0;
    case throttlelab::ui::ParseOutcome::ExitError:
        std::fprintf(stderr, "throttlelab: %s\n", qPrintable(message));
        return 2;
    case throttlelab::ui::ParseOutcome::Run:
        break;
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("throttlelab"));
    QApplication::setOrganizationName(QStringLiteral("ThrottleLab"));
    QApplication::setApplicationVersion(QStringLiteral(THROTTLELAB_VERSION));
    // The desktop id (the .desktop file, the icon and the AppStream metainfo share it), so
    // a desktop matches the window to its launcher and icon.
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.throttlelab.ThrottleLab"));
    throttlelab::ui::MainWindow window(options);
    window.show();
    if (throttlelab::ui::ScreenshotRun::wanted(options))
        new throttlelab::ui::ScreenshotRun(&window, options); // the window owns it
    return app.exec();
}
