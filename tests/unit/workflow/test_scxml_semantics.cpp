// The statechart rules opora takes from SCXML 1.0 (W3C Recommendation,
// 1 September 2015: Appendix D "Algorithm for SCXML Interpretation", §3.12.1
// event descriptors, §5.9 conditions), one case per divergence found in issue
// 13 §3 and fixed, through Database::call. The random comparison with a
// transcription of Appendix D is tests/reference/scxml.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "workflow/workflow_fixture.hpp"

namespace {

using namespace opora::test::wf;
using opora::Error;
using opora::ErrorCode;
using opora::test::error_of;

std::string rules_of(const Error& e) {
  std::string all;
  for (const auto& fe : e.field_errors()) all += fe.field + " " + fe.rule + "\n";
  return all;
}

}  // namespace

// Issue 13 §3 (c): a final state directly inside a parallel state raised
// done.state.<parallel> as soon as it was entered, completing the parallel
// state at once. SCXML allows <final> only in <state> and <scxml>.
TEST_CASE("a final state directly inside a parallel state is refused") {
  Flow f;
  const Error e = error_of([&] {
    f.define(R"({"id": "bad_join", "states": {
      "p": {"type": "parallel", "states": {
        "work": {"states": {"doing": {"on": {"done": "did"}}, "did": {"type": "final"}}},
        "end": {"type": "final"}}}}})");
  });
  CHECK(e.code() == ErrorCode::validation);
  CHECK(rules_of(e) == "states.p.states.end.type final_in_parallel\n");
}

TEST_CASE("an event descriptor that could never match is refused with its path") {
  Flow f;
  const Error e = error_of([&] {
    f.define(R"({"id": "dead", "states": {"s": {"on": {
      "de*": "s", "deal..paid": "s", "deal.*.paid": "s", ".deal": "s", "ok.* fine": "s"}}}})");
  });
  CHECK(rules_of(e) ==
        "states.s.on.de* event_descriptor\n"
        "states.s.on.deal..paid event_descriptor\n"
        "states.s.on.deal.*.paid event_descriptor\n"
        "states.s.on..deal event_descriptor\n");
}
