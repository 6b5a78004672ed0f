#pragma once
// What throttlectl prints: JSON for scripts, short text for people.
#include "budget_view.h"
#include "calibration.h"
#include "options.h"
#include "statistics.h"
#include "throttle_client.h"

#include <QJsonObject>
#include <vector>

namespace throttlelab::cli {

QJsonObject toJson(const RatePair& r);
QJsonObject toJson(const ThrottleConfig& c);
QJsonObject toJson(const StatsSnapshot& s);
QJsonObject toJson(const CalibrationResult& r);
QJsonObject toJson(const RunInfo& r);
QJsonObject toJson(const BackendInfo& b);
QJsonObject toJson(const backend::BudgetView& v);
QJsonArray toJson(const std::vector<WorkerInfo>& workers);

void printJson(const QJsonObject& o);
// The whole of `data` into `path`, or false with the reason.
bool writeFile(const QString& path, const QByteArray& data, QString* error);
// Bytes as a CSV field and how they are encoded: as text when they are UTF-8 without a NUL,
// else base64 ("text" or "base64"), so binary outputs and keys export unchanged.
std::pair<QString, QString> csvBytes(const QByteArray& bytes);
QString describeRate(const RatePair& r);
QString oneLineStatus(const StatsSnapshot& s, const RunInfo& info);

} // namespace throttlelab::cli
