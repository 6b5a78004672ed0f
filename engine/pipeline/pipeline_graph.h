#pragma once
// A pipeline as Graphviz dot (throttlectl pipeline graph): the items, each stage with its
// workers and limit, and the queues between them with their capacities.
#include "pipeline_spec.h"

#include <QByteArray>

namespace throttlelab::pipeline {

QByteArray toDot(const PipelineSpec& spec);

} // namespace throttlelab::pipeline
