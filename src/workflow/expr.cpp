#include "workflow/expr.hpp"

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "workflow/expr_ast.hpp"

namespace opora::workflow {

Expression Expression::parse(std::string_view text, const std::string& field) {
  size_t end = 0;
  return Expression(detail::parse_ast(text, 0, false, field, end));
}

Expression Expression::parse_with_roots(std::string_view text, const std::string& field,
                                        const std::vector<std::string>& roots) {
  size_t end = 0;
  return Expression(detail::parse_ast(text, 0, false, field, end, &roots));
}

const std::vector<std::string>& Expression::roots() const {
  return ast_->roots;
}

boost::json::value Expression::evaluate(const boost::json::object& scope,
                                        const EvalEnv& env) const {
  return detail::evaluate_value(*ast_, ObjectScope(scope), env);
}

boost::json::value Expression::evaluate(const Scope& scope, const EvalEnv& env) const {
  return detail::evaluate_value(*ast_, scope, env);
}

bool Expression::evaluate_bool(const boost::json::object& scope, const EvalEnv& env) const {
  return detail::evaluate_truth(*ast_, ObjectScope(scope), env);
}

bool Expression::evaluate_bool(const Scope& scope, const EvalEnv& env) const {
  return detail::evaluate_truth(*ast_, scope, env);
}

const std::string& Expression::text() const {
  return ast_->text;
}

const std::string& Expression::field() const {
  return ast_->field;
}

Template Template::parse(std::string_view text, const std::string& field) {
  Template t;
  t.text_ = std::string(text);
  std::set<std::string> roots;
  std::string literal;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      literal.append(text.substr(pos));
      break;
    }
    literal.append(text.substr(pos, open - pos));
    if (!literal.empty()) t.parts_.push_back(Part{std::move(literal), nullptr});
    literal.clear();
    size_t end = 0;
    auto ast = detail::parse_ast(text, open + 2, true, field, end);
    roots.insert(ast->roots.begin(), ast->roots.end());
    t.parts_.push_back(Part{{}, std::move(ast)});
    pos = end;
  }
  if (!literal.empty()) t.parts_.push_back(Part{std::move(literal), nullptr});
  t.roots_.assign(roots.begin(), roots.end());
  return t;
}

std::string Template::render(const boost::json::object& scope, const EvalEnv& env) const {
  return render(ObjectScope(scope), env);
}

std::string Template::render(const Scope& scope, const EvalEnv& env) const {
  std::string out;
  for (const auto& part : parts_) {
    if (part.expression)
      out += detail::evaluate_text(*part.expression, scope, env);
    else
      out += part.literal;
  }
  return out;
}

const std::vector<std::string>& Template::roots() const {
  return roots_;
}

bool Template::has_placeholders() const {
  for (const auto& part : parts_)
    if (part.expression) return true;
  return false;
}

}  // namespace opora::workflow
