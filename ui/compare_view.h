#pragma once
// The A/B tab: two throttles of their own, each with its own settings and worker processes,
// run side by side on the same machine, their rates and gaps overlaid on one timeline, and
// their figures in one table. "Classic against exact", "limit against window", "4 against 8
// workers": the difference is what the charts show, measured, not described.
#include "engine_session.h"
#include "experiment.h"
#include "frame_stats.h"
#include "series_buffer.h"

#include <QTimer>
#include <QWidget>
#include <array>

class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace throttlelab::ui {

class ControlPanel;
class LineChart;

class CompareView : public QWidget {
    Q_OBJECT
public:
    // The two throttles are named `<base_name>-a` and `<base_name>-b`.
    explicit CompareView(const QString& base_name, QWidget* parent = nullptr);
    ~CompareView() override;

    // The sides' settings, as an experiment each (the lab's presets start them).
    void setSides(const Experiment& a, const Experiment& b);
    // Starts both (each a clean run), or stops both.
    void startBoth();
    void stopBoth();
    bool isRunning() const;
    EngineSession* side(int i) const { return sides_[std::size_t(i)].session; }
    // Points drawn for a side's latest rate, for tests.
    int drawnPoints(int side) const;
    // Ends both sessions' processes (the window is closing).
    void shutdown();
    // What each refresh of the two charts and the table costs (--frame-stats).
    void setFrameStatsEnabled(bool on) { frame_stats_enabled_ = on; }
    const FrameStats& frameStats() const { return frame_stats_; }

    // The teaching default: the same 200/s, classic mode against exact.
    static std::pair<Experiment, Experiment> classicAgainstExact();
    // The comparisons the tab offers, each with what it shows.
    struct Pair {
        QString what;
        Experiment a, b;
    };
    static QList<Pair> pairs();

Q_SIGNALS:
    void logged(const QString& line);

private:
    struct Side {
        EngineSession* session = nullptr;
        ControlPanel* controls = nullptr;
        SeriesBuffer latest{1 << 15}, longest_gap{1 << 15};
        std::uint64_t next_index = 0;
        double last_x = -1;
    };
    void tick();
    void refreshTable();

    std::array<Side, 2> sides_;
    Nanos t0_;
    LineChart* rate_chart_;
    LineChart* gap_chart_;
    QTableWidget* table_;
    QComboBox* pair_box_;
    QPushButton* start_;
    QPushButton* stop_;
    int rate_lines_[2] = {};
    int target_lines_[2] = {};
    int gap_lines_[2] = {};
    QTimer timer_;
    double window_s_ = 30;
    bool frame_stats_enabled_ = false;
    FrameStats frame_stats_;
};

} // namespace throttlelab::ui
