// A workflow definition as a picture: Mermaid and Graphviz text for docs and
// hosts that have those renderers, and an SVG drawn by opora itself for
// hosts that have none (a monitoring page shows it with a count of instances
// on each state).
//
// What is drawn: every state (compound and parallel states as frames around
// their children, the regions of a parallel state dashed, final states with a
// double border), the initial state of each level, and every transition that
// has a target, labelled "event [guard]", "after 2 working days [guard]",
// "after PT2H" or "at context.deadline". Targetless transitions (actions
// without leaving the state) are not drawn: they move nothing.
//
// All three are pure functions of the definition: the same input gives the
// same bytes, so the output can be committed to docs and checked for drift.
// Thread safety: they read the definition only and may run concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "workflow/definition.hpp"

namespace opora::workflow {

// Mermaid stateDiagram-v2 text: compound and parallel states nested (regions
// separated by "--"), "[*] --> initial" in each compound level, "final -->
// [*]" for final states. Ids Mermaid cannot take as they are ("a-b", "a.b")
// become "a_b" with the original id as the label.
std::string to_mermaid(const Definition& d);

// Graphviz DOT text: a digraph with a cluster for each compound and parallel
// state (the regions of a parallel state dashed), a point for each initial
// state, final states with a double border. Transitions to or from a
// compound state end at its frame (compound=true, lhead/ltail).
std::string to_dot(const Definition& d);

// A self-contained SVG 1.1 document (no scripts, no external resources, fonts
// generic sans-serif). States are laid out top-down in layers by longest path
// from the initial state (back edges ignored), in document order within a
// layer; compound states are laid out the same way inside their frames,
// parallel regions side by side. `counts` (state id -> instances in it) puts a
// badge with the number on each state it names; ids that are not states are
// ignored, an empty map draws no badges. Each state is a
// <g class="state" data-state="id"> for hosts that attach handlers.
std::string to_svg(const Definition& d, const std::map<std::string, int64_t>& counts = {});

}  // namespace opora::workflow
