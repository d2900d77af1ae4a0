// Workflow definitions as pictures: Mermaid and DOT text for docs, and the
// SVG opora draws itself for a monitoring page (badges with instance counts).
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "workflow/definition.hpp"
#include "workflow/export.hpp"

namespace {

namespace json = boost::json;
using opora::workflow::Definition;

Definition compile(std::string_view text) {
  return Definition::compile(json::parse(text).as_object());
}

// Seed 001's approval loop with a working-day escalation (as in test_workflow.cpp).
const char* const kApproval = R"({
  "id": "doc_approval", "title": "Согласование документа",
  "context": {"iteration": 0},
  "initial": "draft",
  "states": {
    "draft": {"on": {"submit": "review"}},
    "review": {
      "on": {
        "approve": "approved",
        "reject": {"target": "rework", "guard": "len(event.data.comment) > 0"}
      },
      "after": [{"working_days": 2, "target": "escalated"}]
    },
    "rework": {"on": {"submit": "review"}},
    "escalated": {"on": {"approve": "approved"}},
    "approved": {"type": "final"}
  }
})";

// Month-end closing: two regions in parallel, joined when both are final.
const char* const kClosing = R"({
  "id": "closing", "initial": "work", "states": {
    "work": {"type": "parallel", "states": {
      "report": {"initial": "writing", "states": {
        "writing": {"on": {"report_done": "report_ok"}}, "report_ok": {"type": "final"}}},
      "act": {"initial": "sending", "states": {
        "sending": {"on": {"act_signed": "act_ok"}}, "act_ok": {"type": "final"}}}
    }, "on": {"done.state.work": "closed", "cancel": "cancelled"}},
    "closed": {"type": "final"},
    "cancelled": {"type": "final"}
  }
})";

bool has_line(const std::string& text, const std::string& line) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string l = text.substr(start, end - start);
    const size_t first = l.find_first_not_of(' ');
    if (first != std::string::npos && l.substr(first) == line) return true;
    start = end + 1;
  }
  return false;
}

// A minimal well-formedness check: tags balance, attribute values are
// quoted, '<' never appears in text or attributes and '&' only starts an
// entity. Returns "" or what is wrong.
std::string xml_problem(const std::string& s) {
  std::vector<std::string> open;
  auto entity_ok = [&](size_t i) {
    for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"})
      if (s.compare(i, std::string(e).size(), e) == 0) return true;
    return false;
  };
  size_t i = 0;
  bool root_seen = false;
  while (i < s.size()) {
    if (s[i] == '&' && !entity_ok(i)) return "bare & at " + std::to_string(i);
    if (s[i] == '>') return "bare > at " + std::to_string(i);
    if (s[i] != '<') {
      if (open.empty() && s[i] != '\n' && s[i] != ' ') return "text outside the root";
      ++i;
      continue;
    }
    size_t j = i + 1;
    char quote = 0;
    for (; j < s.size(); ++j) {
      if (quote != 0) {
        if (s[j] == quote)
          quote = 0;
        else if (s[j] == '<')
          return "< in an attribute at " + std::to_string(j);
        else if (s[j] == '&' && !entity_ok(j))
          return "bare & in an attribute";
      } else if (s[j] == '"' || s[j] == '\'') {
        quote = s[j];
      } else if (s[j] == '<') {
        return "< inside a tag at " + std::to_string(j);
      } else if (s[j] == '>') {
        break;
      }
    }
    if (j >= s.size()) return "unterminated tag";
    const std::string tag = s.substr(i + 1, j - i - 1);
    if (tag.empty()) return "empty tag";
    if (tag[0] == '/') {
      if (open.empty() || open.back() != tag.substr(1)) return "unbalanced </" + tag + ">";
      open.pop_back();
    } else {
      const std::string name = tag.substr(0, tag.find_first_of(" /\n"));
      if (open.empty() && root_seen) return "a second root element";
      root_seen = true;
      if (tag.back() != '/') open.push_back(name);
    }
    i = j + 1;
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  return root_seen ? "" : "no element";
}

// The y of the box of a state in the SVG.
long box_y(const std::string& svg, const std::string& id) {
  const size_t g = svg.find("data-state=\"" + id + "\"><rect");
  REQUIRE(g != std::string::npos);
  const size_t y = svg.find(" y=\"", g);
  return std::strtol(svg.c_str() + y + 4, nullptr, 10);
}

}  // namespace

TEST_CASE("Mermaid shows the initial state, labelled transitions and final states") {
  const std::string m = opora::workflow::to_mermaid(compile(kApproval));
  CHECK(m.rfind("stateDiagram-v2\n", 0) == 0);
  CHECK(has_line(m, "[*] --> draft"));
  CHECK(has_line(m, "draft --> review : submit"));
  CHECK(has_line(m, "review --> approved : approve"));
  CHECK(has_line(m, "review --> rework : reject [len(event.data.comment) > 0]"));
  CHECK(has_line(m, "review --> escalated : after 2 working days"));
  CHECK(has_line(m, "rework --> review : submit"));
  CHECK(has_line(m, "approved --> [*]"));
}

TEST_CASE("Mermaid nests compound and parallel states, regions separated by --") {
  const std::string m = opora::workflow::to_mermaid(compile(kClosing));
  CHECK(has_line(m, "state work {"));
  CHECK(has_line(m, "state report {"));
  CHECK(has_line(m, "--"));
  CHECK(has_line(m, "[*] --> writing"));
  CHECK(has_line(m, "writing --> report_ok : report_done"));
  CHECK(has_line(m, "report_ok --> [*]"));
  CHECK(has_line(m, "work --> closed : done.state.work"));
  CHECK(has_line(m, "cancelled --> [*]"));
  // The regions are inside work's block, before it closes.
  CHECK(m.find("state act {") < m.find("work --> closed"));
  CHECK(m.find("state report {") > m.find("state work {"));
}

TEST_CASE("timer labels read as durations, working days and dates; odd ids get safe names") {
  const auto d = compile(R"({"id": "timers", "initial": "wait-a", "states": {
    "wait-a": {"after": [{"delay": "PT2H", "target": "wait.b"}]},
    "wait.b": {"after": [{"delay": "P1DT30M", "target": "wait_c", "guard": "context.n < 3"}]},
    "wait_c": {"after": [{"at": "context.deadline", "target": "gone"},
                         {"working_days": 1, "calendar": "kz", "target": "gone"}]},
    "gone": {"type": "final"}
  }})");
  const std::string m = opora::workflow::to_mermaid(d);
  CHECK(has_line(m, "state \"wait-a\" as wait_a"));
  CHECK(has_line(m, "state \"wait.b\" as wait_b"));
  CHECK(has_line(m, "wait_a --> wait_b : after PT2H"));
  CHECK(has_line(m, "wait_b --> wait_c : after P1DT30M [context.n < 3]"));
  CHECK(has_line(m, "wait_c --> gone : at context.deadline"));
  CHECK(has_line(m, "wait_c --> gone : after 1 working day (kz)"));
}

TEST_CASE("DOT has clusters for compound states, dashed regions and framed ends") {
  const std::string dot = opora::workflow::to_dot(compile(kClosing));
  CHECK(dot.rfind("digraph \"closing\" {\n", 0) == 0);
  CHECK(dot.find("compound=true") != std::string::npos);
  CHECK(has_line(dot, "subgraph \"cluster_work\" {"));
  CHECK(has_line(dot, "style=\"rounded,bold\";"));
  CHECK(has_line(dot, "subgraph \"cluster_report\" {"));
  CHECK(has_line(dot, "style=\"rounded,dashed\";"));
  CHECK(has_line(dot, "\"(start) report\" -> \"writing\";"));
  CHECK(has_line(dot, "\"writing\" -> \"report_ok\" [label=\"report_done\"];"));
  CHECK(has_line(dot, "\"report_ok\" [peripheries=2];"));
  CHECK(has_line(dot,
                 "\"(anchor) work\" -> \"closed\" [label=\"done.state.work\", "
                 "ltail=\"cluster_work\"];"));
  CHECK(dot.substr(dot.size() - 2) == "}\n");

  const std::string approval = opora::workflow::to_dot(compile(kApproval));
  CHECK(has_line(approval, "\"(start)\" -> \"draft\";"));
  CHECK(has_line(approval,
                 "\"review\" -> \"rework\" [label=\"reject\\n[len(event.data.comment) > 0]\"];"));
  CHECK(has_line(approval, "\"review\" -> \"escalated\" [label=\"after 2 working days\"];"));
  CHECK(approval.find("label=\"Согласование документа\"") != std::string::npos);
}

TEST_CASE("the SVG is well-formed, names every state and is the same on every call") {
  for (const char* text : {kApproval, kClosing}) {
    const auto d = compile(text);
    const std::string svg = opora::workflow::to_svg(d);
    CHECK(xml_problem(svg) == "");
    CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    CHECK(svg.find(" viewBox=\"0 0 ") != std::string::npos);
    for (size_t i = 1; i < d.states.size(); ++i)
      CHECK(svg.find(">" + d.states[i].id + "<") != std::string::npos);
    CHECK(svg.find("class=\"badge\"") == std::string::npos);
    CHECK(opora::workflow::to_svg(d) == svg);
  }
  const std::string svg = opora::workflow::to_svg(compile(kApproval));
  CHECK(svg.find(">Согласование документа<") != std::string::npos);
  CHECK(svg.find(">after 2 working days<") != std::string::npos);
  CHECK(svg.find("class=\"state final\" data-state=\"approved\"") != std::string::npos);
  const std::string closing = opora::workflow::to_svg(compile(kClosing));
  CHECK(closing.find("class=\"state parallel\" data-state=\"work\"") != std::string::npos);
  CHECK(closing.find("stroke-dasharray") != std::string::npos);  // the regions
}

TEST_CASE("the SVG lays states out in layers by longest path from the initial state") {
  const std::string svg = opora::workflow::to_svg(compile(kApproval));
  // draft -> review -> {rework, escalated} -> approved; rework -> review is a
  // loop back and does not push review down.
  CHECK(box_y(svg, "draft") < box_y(svg, "review"));
  CHECK(box_y(svg, "review") < box_y(svg, "rework"));
  CHECK(box_y(svg, "rework") == box_y(svg, "escalated"));
  CHECK(box_y(svg, "escalated") < box_y(svg, "approved"));
}

TEST_CASE("the SVG puts a badge with the instance count on each state named") {
  const auto d = compile(kClosing);
  const std::map<std::string, int64_t> counts{
      {"writing", 3}, {"act_ok", 12}, {"work", 15}, {"closed", 0}, {"no_such_state", 7}};
  const std::string svg = opora::workflow::to_svg(d, counts);
  CHECK(xml_problem(svg) == "");
  CHECK(svg.find("class=\"badge\" data-state=\"writing\"") != std::string::npos);
  CHECK(svg.find(">3</text>") != std::string::npos);
  CHECK(svg.find(">12</text>") != std::string::npos);
  CHECK(svg.find(">15</text>") != std::string::npos);
  CHECK(svg.find("class=\"badge\" data-state=\"closed\"") != std::string::npos);
  CHECK(svg.find("no_such_state") == std::string::npos);
  CHECK(opora::workflow::to_svg(d, counts) == svg);
  CHECK(opora::workflow::to_svg(d) != svg);
}

TEST_CASE("the SVG escapes markup in titles and guards") {
  const auto d = compile(R"({"id": "esc", "title": "R&D <pilot> \"quotes\"", "initial": "a",
    "states": {
      "a": {"on": {"go": {"target": "b", "guard": "context.x < 5 and context.dept == 'R&D'"},
                   "stop": {"target": "b", "guard": "context.x > 9"}}},
      "b": {"type": "final"}
    }})");
  const std::string svg = opora::workflow::to_svg(d);
  CHECK(xml_problem(svg) == "");
  CHECK(svg.find("R&amp;D &lt;pilot&gt; &quot;quotes&quot;") != std::string::npos);
  CHECK(svg.find("[context.x &lt; 5 and context.dept == &apos;R&amp;D&apos;]") !=
        std::string::npos);
  CHECK(svg.find("[context.x &gt; 9]") != std::string::npos);
  CHECK(svg.find("<pilot>") == std::string::npos);
  const std::string dot = opora::workflow::to_dot(d);
  CHECK(dot.find("label=\"R&D <pilot> \\\"quotes\\\"\"") != std::string::npos);
}
