#include "budget_view.h"

#include "budget_scripts.h"
#include "redis_link.h"

#include <algorithm>
#include <csignal>

namespace throttlelab::backend {

long long BudgetView::takenInWindow() const {
    long long n = 0;
    for (const BudgetMember& m : members)
        if (m.live) n += m.taken_in_window;
    return n;
}

double BudgetView::rate() const {
    double r = 0;
    for (const BudgetMember& m : members)
        if (m.live) r += m.rate;
    return r;
}

bool readBudget(const BackendUrl& url, const QString& key, BudgetView* view, QString* error) {
    std::signal(SIGPIPE, SIG_IGN); // a server gone mid-call is an error line, not a death
    RedisLink link;
    if (!link.connect(url, std::chrono::milliseconds(500))) {
        *error = link.error();
        return false;
    }
    const BudgetKeys keys = BudgetKeys::of(key);
    auto ask = [&](const QList<QByteArray>& args, RedisReply* out) {
        *out = link.command(args);
        if (out->ok() && !out->isError()) return true;
        *error = out->ok()
                     ? QStringLiteral("Redis at %1 answered: %2").arg(url.where(), out->text())
                     : link.error();
        return false;
    };
    RedisReply cfg, time, all;
    if (!ask({"HMGET", keys.config, "max_n", "per_us", "hardcap", "version"}, &cfg) ||
        !ask({"TIME"}, &time) || !ask({"HGETALL", keys.members}, &all))
        return false;
    if (cfg.element(0).isNil()) {
        *error = QStringLiteral("Redis at %1 holds no budget named '%2'").arg(url.where(), key);
        return false;
    }
    view->max_n = cfg.element(0).integer();
    view->per = cfg.element(1).number() / 1e6;
    view->hardcap = cfg.element(2).text();
    view->version = cfg.element(3).text();
    const double now_us = time.element(0).number() * 1e6 + time.element(1).number();
    view->members.clear();
    for (int i = 0; i + 1 < all.size(); i += 2) {
        const QStringList f = all.element(i + 1).text().split(u'|');
        if (f.size() < 6) continue;
        BudgetMember m;
        m.machine = all.element(i).text();
        m.last_seen_s = std::max(0.0, (now_us - f[0].toDouble()) / 1e6);
        m.host = f[1];
        m.pid = f[2].toLongLong();
        m.taken_in_window = f[3].toLongLong();
        m.rate = f[4].toDouble();
        m.state = f[5];
        m.live = m.last_seen_s < double(kMemberStaleMicros) / 1e6;
        view->members << m;
    }
    std::sort(
        view->members.begin(), view->members.end(),
        [](const BudgetMember& a, const BudgetMember& b) { return a.last_seen_s < b.last_seen_s; });
    return true;
}

} // namespace throttlelab::backend
