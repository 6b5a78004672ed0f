#pragma once
// throttlelab's command line, parsed apart from main() so tests can check every rejection.
#include <QString>
#include <QStringList>

namespace throttlelab::ui {

struct LaunchOptions {
    QString preset;
    QString open;
    QString screenshot;
    double quit_after_s = -1; // < 0: run until closed
    QString name;             // empty: throttlelab-<pid>
    QString view = QStringLiteral("monitor");
    bool frame_stats = false;
    // No modal dialogs: screenshot runs and tests must never wait for a click.
    bool unattended = false;
    // Start from the last experiment saved in QSettings when nothing else is asked for.
    bool restore_last = false; // --last
    double zoom = 0;           // --zoom; 0: the saved one
    // Save window layout and the last experiment at close (not for screenshot runs).
    bool persist = true;
    // Share the lab's budget with other machines through Redis (--backend, --on-backend-loss).
    QString backend_url;
    QString on_backend_loss; // empty: the default for the hardcap
};

enum class ParseOutcome { Run, ExitOk, ExitError };

// On ExitOk `message` holds the help text for stdout; on ExitError one line for stderr.
ParseOutcome parseCommandLine(const QStringList& arguments, LaunchOptions* options,
                              QString* message);

} // namespace throttlelab::ui
