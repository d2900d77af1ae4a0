// Lexer and recursive-descent parser of the workflow expression language
// (grammar in expr.hpp). Every error names the column and what was expected,
// because the person reading it is editing a JSON definition by hand.
#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"
#include "workflow/expr_ast.hpp"

namespace opora::workflow::detail {
namespace {

constexpr std::array<const char*, 5> kRoots = {"context", "event", "key", "now", "today"};

struct FunctionSpec {
  const char* name;
  Function function;
  size_t min_args;
  size_t max_args;  // 0: no upper bound
};

constexpr std::array<FunctionSpec, 10> kFunctions = {{
    {"len", Function::len, 1, 1},
    {"lower", Function::lower, 1, 1},
    {"upper", Function::upper, 1, 1},
    {"contains", Function::contains, 2, 2},
    {"date", Function::date, 1, 1},
    {"add_days", Function::add_days, 2, 2},
    {"add_working_days", Function::add_working_days, 3, 3},
    {"days_between", Function::days_between, 2, 2},
    {"coalesce", Function::coalesce, 2, 0},
    {"round", Function::round, 2, 2},
}};

const FunctionSpec* find_function(std::string_view name) {
  for (const auto& f : kFunctions)
    if (name == f.name) return &f;
  return nullptr;
}

bool is_root(std::string_view name, const std::vector<std::string>* roots) {
  if (roots != nullptr) return std::find(roots->begin(), roots->end(), name) != roots->end();
  for (const char* r : kRoots)
    if (name == r) return true;
  return false;
}

bool is_keyword(std::string_view s) {
  return s == "and" || s == "or" || s == "not" || s == "in" || s == "true" || s == "false" ||
         s == "null";
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) {
  return is_ident_start(c) || is_digit(c);
}

enum class Tok {
  end,
  number,
  string,
  ident,
  op,  // == != < <= > >= + - * /
  lparen,
  rparen,
  lbracket,
  rbracket,
  comma,
  dot,
  close_template,  // }}
};

struct Token {
  Tok kind = Tok::end;
  size_t pos = 0;    // byte offset in the whole text
  std::string text;  // identifier, operator, raw number or decoded string
};

class Parser {
 public:
  Parser(std::string_view whole, size_t begin, bool in_template, const std::string& field,
         const std::vector<std::string>* allowed_roots)
      : src_(whole),
        pos_(begin),
        begin_(begin),
        in_template_(in_template),
        field_(field),
        allowed_roots_(allowed_roots) {
    ast_->field = field;
  }

  std::shared_ptr<const Ast> run(size_t& end) {
    next();
    ast_->top = parse_or();
    if (in_template_) {
      if (tok_.kind != Tok::close_template)
        fail(tok_.pos,
             "expected an operator or '}}' to close the placeholder, found " + describe(tok_));
      end = tok_.pos + 2;
    } else {
      if (tok_.kind != Tok::end)
        fail(tok_.pos,
             "expected an operator or the end of the expression, found " + describe(tok_));
      end = src_.size();
    }
    std::string_view own = src_.substr(begin_, tok_.pos - begin_);
    while (!own.empty() &&
           (own.back() == ' ' || own.back() == '\t' || own.back() == '\n' || own.back() == '\r'))
      own.remove_suffix(1);
    while (!own.empty() && (own.front() == ' ' || own.front() == '\t' || own.front() == '\n' ||
                            own.front() == '\r'))
      own.remove_prefix(1);
    ast_->text = std::string(own);
    ast_->roots.assign(roots_.begin(), roots_.end());
    return ast_;
  }

 private:
  // Counts one more level of brackets, calls or unary operators.
  class Nesting {
   public:
    Nesting(Parser& p, size_t pos) : p_(p) {
      if (++p_.depth_ > Expression::kMaxNesting)
        p_.fail(pos, "nested too deeply (more than " + std::to_string(Expression::kMaxNesting) +
                         " levels of brackets, calls and unary operators)");
    }
    ~Nesting() { --p_.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    Parser& p_;
  };

  size_t column(size_t pos) const {
    size_t col = 1;
    for (size_t i = 0; i < pos && i < src_.size(); ++i)
      if ((static_cast<unsigned char>(src_[i]) & 0xC0) != 0x80) ++col;
    return col;
  }

  [[noreturn]] void fail(size_t pos, const std::string& message) const {
    fail_field(ErrorCode::validation, field_, "expression",
               "column " + std::to_string(column(pos)) + ": " + message);
  }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Tok::end:
        return "the end of the expression";
      case Tok::number:
        return "number " + t.text;
      case Tok::string:
        return "string '" + t.text + "'";
      case Tok::ident:
        return (is_keyword(t.text) ? "keyword '" : "name '") + t.text + "'";
      case Tok::close_template:
        return "'}}'";
      default:
        return "'" + t.text + "'";
    }
  }

  // The character at `pos` for an error message, whole if it is UTF-8.
  std::string char_at(size_t pos) const {
    size_t n = 1;
    while (pos + n < src_.size() && (static_cast<unsigned char>(src_[pos + n]) & 0xC0) == 0x80) ++n;
    return std::string(src_.substr(pos, n));
  }

  void next() {
    while (pos_ < src_.size() &&
           (src_[pos_] == ' ' || src_[pos_] == '\t' || src_[pos_] == '\n' || src_[pos_] == '\r'))
      ++pos_;
    tok_ = Token{};
    tok_.pos = pos_;
    if (pos_ >= src_.size()) return;
    const char c = src_[pos_];
    const char c2 = pos_ + 1 < src_.size() ? src_[pos_ + 1] : '\0';
    if (is_digit(c)) return lex_number();
    if (c == '\'' || c == '"') return lex_string(c);
    if (is_ident_start(c)) {
      const size_t start = pos_;
      while (pos_ < src_.size() && is_ident_char(src_[pos_])) ++pos_;
      tok_.kind = Tok::ident;
      tok_.text = std::string(src_.substr(start, pos_ - start));
      return;
    }
    auto single = [&](Tok kind) {
      tok_.kind = kind;
      tok_.text = std::string(1, c);
      ++pos_;
    };
    auto op = [&](size_t len) {
      tok_.kind = Tok::op;
      tok_.text = std::string(src_.substr(pos_, len));
      pos_ += len;
    };
    switch (c) {
      case '(':
        return single(Tok::lparen);
      case ')':
        return single(Tok::rparen);
      case '[':
        return single(Tok::lbracket);
      case ']':
        return single(Tok::rbracket);
      case ',':
        return single(Tok::comma);
      case '.':
        return single(Tok::dot);
      case '+':
      case '-':
      case '*':
      case '/':
        return op(1);
      case '<':
      case '>':
        return op(c2 == '=' ? 2 : 1);
      case '=':
        if (c2 == '=') return op(2);
        fail(pos_, "expected '==' (a single '=' is not an operator)");
      case '!':
        if (c2 == '=') return op(2);
        fail(pos_, "expected '!='; negation is written 'not'");
      case '&':
        fail(pos_, "unexpected character '&'; conjunction is written 'and'");
      case '|':
        fail(pos_, "unexpected character '|'; disjunction is written 'or'");
      case '}':
        if (in_template_ && c2 == '}') {
          tok_.kind = Tok::close_template;
          tok_.text = "}}";
          pos_ += 2;
          return;
        }
        break;
      default:
        break;
    }
    fail(pos_, "unexpected character '" + char_at(pos_) + "'");
  }

  void lex_number() {
    const size_t start = pos_;
    while (pos_ < src_.size() && is_digit(src_[pos_])) ++pos_;
    if (pos_ < src_.size() && src_[pos_] == '.') {
      ++pos_;
      if (pos_ >= src_.size() || !is_digit(src_[pos_]))
        fail(pos_, "expected a digit after the decimal point");
      while (pos_ < src_.size() && is_digit(src_[pos_])) ++pos_;
    }
    if (pos_ < src_.size() && is_ident_start(src_[pos_]))
      fail(pos_, "expected an operator after the number, found '" + char_at(pos_) + "'");
    tok_.kind = Tok::number;
    tok_.text = std::string(src_.substr(start, pos_ - start));
  }

  void lex_string(char quote) {
    const size_t start = pos_++;
    std::string out;
    while (true) {
      if (pos_ >= src_.size())
        fail(start, "unterminated string: expected a closing " + std::string(1, quote));
      const char c = src_[pos_];
      if (c == quote) break;
      if (c == '\\') {
        const char e = pos_ + 1 < src_.size() ? src_[pos_ + 1] : '\0';
        switch (e) {
          case '\\':
          case '\'':
          case '"':
            out += e;
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          default:
            fail(pos_, "expected an escape \\\\, \\', \\\", \\n, \\r or \\t after the backslash");
        }
        pos_ += 2;
        continue;
      }
      out += c;
      ++pos_;
    }
    ++pos_;
    tok_.kind = Tok::string;
    tok_.text = std::move(out);
  }

  bool at_op(const char* text) const { return tok_.kind == Tok::op && tok_.text == text; }
  bool at_word(const char* word) const { return tok_.kind == Tok::ident && tok_.text == word; }

  size_t add(Node n) {
    if (ast_->nodes.size() >= Expression::kMaxNodes)
      fail(tok_.pos, "the expression is too large (more than " +
                         std::to_string(Expression::kMaxNodes) + " parts)");
    ast_->nodes.push_back(std::move(n));
    return ast_->nodes.size() - 1;
  }

  size_t binary(Op op, size_t pos, size_t left, size_t right) {
    Node n;
    n.op = op;
    n.column = column(pos);
    n.args = {left, right};
    return add(std::move(n));
  }

  size_t parse_or() {
    size_t left = parse_and();
    while (at_word("or")) {
      const size_t pos = tok_.pos;
      next();
      const size_t right = parse_and();
      left = binary(Op::logical_or, pos, left, right);
    }
    return left;
  }

  size_t parse_and() {
    size_t left = parse_not();
    while (at_word("and")) {
      const size_t pos = tok_.pos;
      next();
      const size_t right = parse_not();
      left = binary(Op::logical_and, pos, left, right);
    }
    return left;
  }

  size_t parse_not() {
    if (!at_word("not")) return parse_comparison();
    const size_t pos = tok_.pos;
    Nesting nesting(*this, pos);
    next();
    Node n;
    n.op = Op::logical_not;
    n.column = column(pos);
    n.args = {parse_not()};
    return add(std::move(n));
  }

  // The comparison operator at the current token, consuming "not" of "not in".
  std::optional<Op> comparison_op() {
    if (tok_.kind == Tok::op) {
      const std::string& t = tok_.text;
      if (t == "==") return Op::eq;
      if (t == "!=") return Op::ne;
      if (t == "<") return Op::lt;
      if (t == "<=") return Op::le;
      if (t == ">") return Op::gt;
      if (t == ">=") return Op::ge;
      return std::nullopt;
    }
    if (at_word("in")) return Op::in;
    if (at_word("not")) {
      const size_t saved_pos = pos_;
      const Token saved = tok_;
      next();
      if (at_word("in")) return Op::not_in;
      pos_ = saved_pos;
      tok_ = saved;
    }
    return std::nullopt;
  }

  size_t parse_comparison() {
    const size_t left = parse_additive();
    const size_t pos = tok_.pos;
    const auto op = comparison_op();
    if (!op) return left;
    next();
    const size_t right = parse_additive();
    const size_t result = binary(*op, pos, left, right);
    if (comparison_op()) fail(tok_.pos, "comparisons cannot be chained; join them with 'and'");
    return result;
  }

  size_t parse_additive() {
    size_t left = parse_multiplicative();
    while (at_op("+") || at_op("-")) {
      const Op op = tok_.text == "+" ? Op::add : Op::sub;
      const size_t pos = tok_.pos;
      next();
      const size_t right = parse_multiplicative();
      left = binary(op, pos, left, right);
    }
    return left;
  }

  size_t parse_multiplicative() {
    size_t left = parse_unary();
    while (at_op("*") || at_op("/")) {
      const Op op = tok_.text == "*" ? Op::mul : Op::div;
      const size_t pos = tok_.pos;
      next();
      const size_t right = parse_unary();
      left = binary(op, pos, left, right);
    }
    return left;
  }

  size_t parse_unary() {
    if (!at_op("-")) return parse_primary();
    const size_t pos = tok_.pos;
    Nesting nesting(*this, pos);
    next();
    Node n;
    n.op = Op::negate;
    n.column = column(pos);
    n.args = {parse_unary()};
    return add(std::move(n));
  }

  size_t parse_primary() {
    Node n;
    n.column = column(tok_.pos);
    switch (tok_.kind) {
      case Tok::number: {
        const auto d = Decimal::parse(tok_.text);
        if (!d)
          fail(tok_.pos, "expected a number of at most 18 digits with at most " +
                             std::to_string(Decimal::kMaxScale) + " decimal places, found " +
                             tok_.text);
        n.op = Op::number;
        n.number = *d;
        next();
        return add(std::move(n));
      }
      case Tok::string:
        n.op = Op::value;
        n.value = boost::json::string(tok_.text);
        next();
        return add(std::move(n));
      case Tok::lparen: {
        const size_t open = tok_.pos;
        Nesting nesting(*this, open);
        next();
        const size_t inner = parse_or();
        if (tok_.kind != Tok::rparen)
          fail(tok_.pos, "expected ')' to close the '(' at column " + std::to_string(column(open)) +
                             ", found " + describe(tok_));
        next();
        return inner;
      }
      case Tok::ident:
        return parse_name(std::move(n));
      default:
        fail(tok_.pos, "expected a value (a number, a string, a path or a function call), found " +
                           describe(tok_));
    }
  }

  size_t parse_name(Node n) {
    const Token name = tok_;
    if (name.text == "true" || name.text == "false" || name.text == "null") {
      n.op = Op::value;
      if (name.text != "null") n.value = name.text == "true";
      next();
      return add(std::move(n));
    }
    if (is_keyword(name.text))
      fail(name.pos, "expected a value (a number, a string, a path or a function call), found " +
                         describe(name));
    next();
    if (is_root(name.text, allowed_roots_)) {
      if (tok_.kind == Tok::lparen)
        fail(name.pos, "'" + name.text + "' is a value, not a function");
      return parse_path(std::move(n), name.text);
    }
    const FunctionSpec* spec = find_function(name.text);
    if (spec == nullptr) {
      if (tok_.kind == Tok::lparen)
        fail(name.pos,
             "unknown function '" + name.text +
                 "'; expected len, lower, upper, contains, date, add_days, add_working_days, "
                 "days_between, coalesce or round");
      fail(name.pos, "unknown name '" + name.text + "'; a path starts with " + roots_list());
    }
    if (tok_.kind != Tok::lparen)
      fail(tok_.pos, "expected '(' after the function name " + name.text);
    Nesting nesting(*this, tok_.pos);
    next();
    n.op = Op::call;
    n.function = spec->function;
    n.function_name = spec->name;
    if (tok_.kind != Tok::rparen) {
      while (true) {
        n.args.push_back(parse_or());
        if (tok_.kind == Tok::comma) {
          next();
          continue;
        }
        if (tok_.kind == Tok::rparen) break;
        fail(tok_.pos,
             "expected ',' or ')' in the call of " + name.text + ", found " + describe(tok_));
      }
    }
    next();
    const size_t got = n.args.size();
    if (got < spec->min_args || (spec->max_args != 0 && got > spec->max_args)) {
      std::string want = spec->max_args == 0 ? "at least " + std::to_string(spec->min_args)
                                             : std::to_string(spec->min_args);
      want += spec->min_args == 1 && spec->max_args == 1 ? " argument" : " arguments";
      fail(name.pos, name.text + "() takes " + want + ", got " + std::to_string(got));
    }
    return add(std::move(n));
  }

  std::string roots_list() const {
    if (allowed_roots_ == nullptr) return "context, event, now, today or key";
    std::string out;
    for (size_t i = 0; i < allowed_roots_->size(); ++i)
      out += (i == 0 ? "" : i + 1 == allowed_roots_->size() ? " or " : ", ") + (*allowed_roots_)[i];
    return out;
  }

  size_t parse_path(Node n, const std::string& root) {
    n.op = Op::path;
    n.root = root;
    roots_.insert(root);
    while (tok_.kind == Tok::dot || tok_.kind == Tok::lbracket) {
      PathStep step;
      if (tok_.kind == Tok::dot) {
        next();
        if (tok_.kind != Tok::ident)
          fail(tok_.pos, "expected a member name after '.', found " + describe(tok_));
        step.key = tok_.text;
      } else {
        const size_t open = tok_.pos;
        next();
        if (tok_.kind == Tok::string) {
          step.key = tok_.text;
        } else if (tok_.kind == Tok::number && tok_.text.find('.') == std::string::npos &&
                   tok_.text.size() <= 9) {
          step.by_index = true;
          step.index = static_cast<size_t>(std::stoul(tok_.text));
        } else {
          fail(tok_.pos,
               "expected an array index (0, 1, ...) or a quoted member name after "
               "'[', found " +
                   describe(tok_));
        }
        next();
        if (tok_.kind != Tok::rbracket)
          fail(tok_.pos, "expected ']' to close the '[' at column " + std::to_string(column(open)) +
                             ", found " + describe(tok_));
      }
      n.steps.push_back(std::move(step));
      next();
    }
    return add(std::move(n));
  }

  std::string_view src_;
  size_t pos_;
  size_t begin_;
  bool in_template_;
  const std::string& field_;
  const std::vector<std::string>* allowed_roots_;  // nullptr: the workflow roots
  Token tok_;
  size_t depth_ = 0;
  std::set<std::string> roots_;
  std::shared_ptr<Ast> ast_ = std::make_shared<Ast>();
};

}  // namespace

std::shared_ptr<const Ast> parse_ast(std::string_view whole, size_t begin, bool in_template,
                                     const std::string& field, size_t& end,
                                     const std::vector<std::string>* roots) {
  return Parser(whole, begin, in_template, field, roots).run(end);
}

}  // namespace opora::workflow::detail
