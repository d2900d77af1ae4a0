// The syntax tree shared by the expression parser (expr_parse.cpp) and the
// evaluator (expr_eval.cpp). Internal to src/workflow.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/decimal.hpp"
#include "workflow/expr.hpp"

namespace opora::workflow::detail {

enum class Op {
  value,   // a literal string, true, false or null
  number,  // a numeric literal
  path,
  negate,
  logical_not,
  logical_and,
  logical_or,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  in,
  not_in,
  add,
  sub,
  mul,
  div,
  call,
};

enum class Function {
  len,
  lower,
  upper,
  contains,
  date,
  add_days,
  add_working_days,
  days_between,
  coalesce,
  round,
};

struct PathStep {
  std::string key;   // member name when !by_index
  size_t index = 0;  // array index when by_index
  bool by_index = false;
};

struct Node {
  Op op = Op::value;
  size_t column = 1;  // 1-based, in characters, of the operator or operand
  boost::json::value value;
  Decimal number;
  std::string root;  // path: "context", "event", ...
  std::vector<PathStep> steps;
  Function function = Function::len;
  std::string function_name;
  std::vector<size_t> args;  // operands or call arguments: indices into Ast::nodes
};

struct Ast {
  std::string text;   // the expression's own source
  std::string field;  // where it came from, for errors
  std::vector<Node> nodes;
  size_t top = 0;
  std::vector<std::string> roots;  // sorted, unique
};

// Parses an expression from whole[begin...]. In a template the expression
// ends at "}}" (`end` receives the offset just past it); otherwise it must
// run to the end of `whole`. Columns are counted from the start of `whole`.
std::shared_ptr<const Ast> parse_ast(std::string_view whole, size_t begin, bool in_template,
                                     const std::string& field, size_t& end,
                                     const std::vector<std::string>* roots = nullptr);

boost::json::value evaluate_value(const Ast& ast, const Scope& scope, const EvalEnv& env);
bool evaluate_truth(const Ast& ast, const Scope& scope, const EvalEnv& env);
// The value as template text.
std::string evaluate_text(const Ast& ast, const Scope& scope, const EvalEnv& env);

}  // namespace opora::workflow::detail
