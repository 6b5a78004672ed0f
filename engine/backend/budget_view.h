#pragma once
// Every machine sharing a budget, read straight from Redis: what `throttlectl inspect` and
// the app list (host, pid, permits taken in the last window, last seen).
#include "backend_url.h"

#include <QList>
#include <QString>

namespace throttlelab::backend {

struct BudgetMember {
    QString machine; // host:pid:segment, unique per throttle
    QString host;
    long long pid = 0;
    long long taken_in_window = 0;
    double rate = 0;
    double last_seen_s = 0; // seconds ago, by the server's clock
    QString state;          // its link as it last said: connected, lost
    bool live = false;      // seen within the last 2 s
};

struct BudgetView {
    long long max_n = 0;
    double per = 0;
    QString hardcap;
    QString version;
    QList<BudgetMember> members; // the most recently seen first
    long long takenInWindow() const;
    double rate() const;
};

// False with the cause in *error (unreachable, or no such budget).
bool readBudget(const BackendUrl& url, const QString& key, BudgetView* view, QString* error);

} // namespace throttlelab::backend
