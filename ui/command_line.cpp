#include "command_line.h"

#include "backend_url.h"
#include "options.h"
#include "presets.h"
#include "throttlelab_version.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>

namespace throttlelab::ui {

ParseOutcome parseCommandLine(const QStringList& arguments, LaunchOptions* o, QString* message) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "ThrottleLab: watch and tune a multi-process rate limiter live.\n"
        "Starts the tutorial experiment (4 permits/s, 4 workers) unless told otherwise\n"
        "(--preset, --open, or --last for the experiment open when the app last closed)."));
    p.addHelpOption();
    p.addVersionOption();
    QStringList ids;
    for (const Preset& preset : loadPresets())
        ids << preset.id;
    p.addOption({QStringLiteral("preset"),
                 QStringLiteral("Start a bundled preset: %1.").arg(ids.join(u", ")),
                 QStringLiteral("NAME")});
    p.addOption({QStringLiteral("open"), QStringLiteral("Start an experiment saved as JSON."),
                 QStringLiteral("FILE")});
    p.addOption({QStringLiteral("zoom"),
                 QStringLiteral("Presentation zoom, from 0.8 to 2.5 (View > Zoom in the app)."),
                 QStringLiteral("FACTOR")});
    p.addOption({QStringLiteral("last"),
                 QStringLiteral("Start the experiment that was open when the app last closed.")});
    p.addOption(
        {QStringLiteral("screenshot"),
         QStringLiteral("Run, save a PNG of the window after --quit-after seconds, and quit."),
         QStringLiteral("FILE")});
    p.addOption({QStringLiteral("quit-after"),
                 QStringLiteral("Quit after SECONDS (default 6 with --screenshot)."),
                 QStringLiteral("SECONDS")});
    p.addOption({QStringLiteral("name"),
                 QStringLiteral("Throttle name (default throttlelab-<pid>)."),
                 QStringLiteral("NAME")});
    p.addOption({QStringLiteral("view"),
                 QStringLiteral("Tab shown first: monitor, calibration, jobs, compare, pipeline "
                                "or budget (with --screenshot, calibration runs a short sweep, "
                                "jobs a short synthetic job, compare both sides of the A/B "
                                "view, pipeline the demo pipeline)."),
                 QStringLiteral("VIEW")});
    p.addOption({QStringLiteral("backend"),
                 QStringLiteral("Share the lab's budget with other machines through Redis: "
                                "redis://HOST[:PORT][/DB][?key=NAME] or "
                                "redis+unix:///PATH[?db=DB&key=NAME] (the Budget tab)."),
                 QStringLiteral("URL")});
    p.addOption({QStringLiteral("on-backend-loss"),
                 QStringLiteral("While Redis is gone: closed, open or local (default: closed "
                                "for hardcap window, else local)."),
                 QStringLiteral("POLICY")});
    p.addOption(
        {QStringLiteral("frame-stats"),
         QStringLiteral(
             "Print chart refresh times to stderr at exit (or set THROTTLELAB_FRAME_STATS=1).")});

    if (!p.parse(arguments)) {
        *message = p.errorText();
        return ParseOutcome::ExitError;
    }
    if (p.isSet(QStringLiteral("help"))) {
        *message = p.helpText();
        return ParseOutcome::ExitOk;
    }
    // Parsed before the QApplication exists, so the version is written here, not by
    // QCommandLineParser::showVersion().
    if (p.isSet(QStringLiteral("version"))) {
        *message = QStringLiteral("throttlelab %1\n").arg(QStringLiteral(THROTTLELAB_VERSION));
        return ParseOutcome::ExitOk;
    }
    if (!p.positionalArguments().isEmpty()) {
        *message = QStringLiteral("unexpected argument '%1'; see --help")
                       .arg(p.positionalArguments().first());
        return ParseOutcome::ExitError;
    }
    if (p.isSet(QStringLiteral("preset")) && p.isSet(QStringLiteral("open"))) {
        *message = QStringLiteral("--preset and --open cannot be used together");
        return ParseOutcome::ExitError;
    }
    if (p.isSet(QStringLiteral("preset"))) {
        o->preset = p.value(QStringLiteral("preset"));
        if (!findPreset(o->preset)) {
            *message = QStringLiteral("--preset: no preset named '%1' (known: %2)")
                           .arg(o->preset, ids.join(u", "));
            return ParseOutcome::ExitError;
        }
    }
    if (p.isSet(QStringLiteral("open"))) {
        o->open = p.value(QStringLiteral("open"));
        if (!QFileInfo(o->open).isFile()) {
            *message = QStringLiteral("--open: no such file '%1'").arg(o->open);
            return ParseOutcome::ExitError;
        }
    }
    if (p.isSet(QStringLiteral("quit-after"))) {
        bool ok = false;
        o->quit_after_s = p.value(QStringLiteral("quit-after")).toDouble(&ok);
        if (!ok || !(o->quit_after_s > 0) || o->quit_after_s > 86400) {
            *message = QStringLiteral(
                           "--quit-after must be a number of seconds > 0 and <= 86400, got '%1'")
                           .arg(p.value(QStringLiteral("quit-after")));
            return ParseOutcome::ExitError;
        }
    }
    if (p.isSet(QStringLiteral("screenshot"))) {
        o->screenshot = p.value(QStringLiteral("screenshot"));
        const QFileInfo fi(o->screenshot);
        if (!fi.absoluteDir().exists()) {
            *message =
                QStringLiteral("--screenshot: folder '%1' does not exist").arg(fi.absolutePath());
            return ParseOutcome::ExitError;
        }
        if (o->quit_after_s < 0) o->quit_after_s = 6;
        o->unattended = true;
        o->restore_last = false;
        o->persist = false;
    }
    if (p.isSet(QStringLiteral("name"))) {
        o->name = p.value(QStringLiteral("name"));
        if (const ConfigError e = checkName(o->name)) {
            *message = QStringLiteral("--name ") + e.problem;
            return ParseOutcome::ExitError;
        }
    }
    if (p.isSet(QStringLiteral("backend"))) {
        o->backend_url = p.value(QStringLiteral("backend"));
        QString e;
        if (!BackendUrl::parse(o->backend_url, &e)) {
            *message = QStringLiteral("--backend ") + e;
            return ParseOutcome::ExitError;
        }
    }
    if (p.isSet(QStringLiteral("on-backend-loss"))) {
        o->on_backend_loss = p.value(QStringLiteral("on-backend-loss"));
        if (!parseBackendLossPolicy(o->on_backend_loss)) {
            *message = QStringLiteral("--on-backend-loss must be closed, open or local, got '%1'")
                           .arg(o->on_backend_loss.left(80));
            return ParseOutcome::ExitError;
        }
        if (o->backend_url.isEmpty()) {
            *message = QStringLiteral("--on-backend-loss needs --backend (a shared budget)");
            return ParseOutcome::ExitError;
        }
    }
    if (p.isSet(QStringLiteral("view"))) {
        o->view = p.value(QStringLiteral("view"));
        if (o->view != QLatin1String("monitor") && o->view != QLatin1String("calibration") &&
            o->view != QLatin1String("jobs") && o->view != QLatin1String("compare") &&
            o->view != QLatin1String("pipeline") && o->view != QLatin1String("budget")) {
            *message = QStringLiteral("--view must be monitor, calibration, jobs, compare, "
                                      "pipeline or budget, got '%1'")
                           .arg(o->view);
            return ParseOutcome::ExitError;
        }
    }
    o->frame_stats = p.isSet(QStringLiteral("frame-stats")) ||
                     qEnvironmentVariableIntValue("THROTTLELAB_FRAME_STATS") == 1;
    if (p.isSet(QStringLiteral("zoom"))) {
        bool ok = false;
        o->zoom = p.value(QStringLiteral("zoom")).toDouble(&ok);
        if (!ok || !(o->zoom >= 0.8 && o->zoom <= 2.5)) {
            *message = QStringLiteral("--zoom must be a number from 0.8 to 2.5, got '%1'")
                           .arg(p.value(QStringLiteral("zoom")));
            return ParseOutcome::ExitError;
        }
    }
    // The tutorial, as --help says, unless the last experiment is asked for.
    o->restore_last = p.isSet(QStringLiteral("last"));
    if (!o->preset.isEmpty() || !o->open.isEmpty() || !o->screenshot.isEmpty())
        o->restore_last = false;
    return ParseOutcome::Run;
}

} // namespace throttlelab::ui
