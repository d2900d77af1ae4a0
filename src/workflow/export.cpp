// Mermaid, DOT and SVG renderings of a workflow definition (export.hpp).
#include "workflow/export.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace opora::workflow {
namespace {

using Type = State::Type;

bool is_container(const State& s) {
  return s.type == Type::compound || s.type == Type::parallel;
}

size_t at(int i) {
  return static_cast<size_t>(i);
}

// Control characters (a guard written over several lines) would break a
// line-based format and are not allowed in XML: they become spaces.
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return out;
}

std::string iso_duration(int64_t seconds) {
  if (seconds <= 0) return "PT0S";
  const int64_t days = seconds / 86400, hours = seconds % 86400 / 3600,
                minutes = seconds % 3600 / 60, rest = seconds % 60;
  std::string out = "P";
  if (days != 0) out += std::to_string(days) + "D";
  if (hours != 0 || minutes != 0 || rest != 0) {
    out += "T";
    if (hours != 0) out += std::to_string(hours) + "H";
    if (minutes != 0) out += std::to_string(minutes) + "M";
    if (rest != 0) out += std::to_string(rest) + "S";
  }
  return out;
}

std::string timer_text(const Timer& t, const Definition& d) {
  if (t.working_days) {
    std::string s = "after " + std::to_string(*t.working_days) +
                    (*t.working_days == 1 ? " working day" : " working days");
    if (!t.calendar.empty() && t.calendar != d.calendar) s += " (" + t.calendar + ")";
    return s;
  }
  if (t.seconds) return "after " + iso_duration(*t.seconds);
  if (t.at) return "at " + one_line(t.at->text());
  return "after";
}

// A transition's label as lines: what fires it, then its guard in brackets.
std::vector<std::string> label_lines(const Transition& t, const Definition& d) {
  std::vector<std::string> lines;
  std::string trigger;
  if (t.timer) {
    trigger = timer_text(*t.timer, d);
  } else {
    for (const auto& e : t.events) trigger += (trigger.empty() ? "" : ", ") + one_line(e);
  }
  if (!trigger.empty()) lines.push_back(trigger);
  if (t.guard) lines.push_back("[" + one_line(t.guard->text()) + "]");
  return lines;
}

std::string join(const std::vector<std::string>& lines, std::string_view separator) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : std::string(separator)) + l;
  return out;
}

// The transitions that move between states, in document order.
struct Edge {
  int from = -1, to = -1;
  std::vector<std::string> label;
};

std::vector<Edge> edges_of(const Definition& d) {
  std::vector<Edge> edges;
  for (size_t i = 1; i < d.states.size(); ++i)
    for (const auto& t : d.states[i].transitions)
      if (t.target) edges.push_back({static_cast<int>(i), *t.target, label_lines(t, d)});
  return edges;
}

// ---- Mermaid ----

class MermaidWriter {
 public:
  explicit MermaidWriter(const Definition& d) : d_(d), names_(d.states.size()) {
    // Ids with '-' or '.' get a Mermaid-safe name that collides with nothing.
    std::set<std::string> used;
    auto plain = [](const std::string& id) {
      return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
      });
    };
    for (size_t i = 1; i < d.states.size(); ++i)
      if (plain(d.states[i].id)) used.insert(names_[i] = d.states[i].id);
    for (size_t i = 1; i < d.states.size(); ++i) {
      if (!names_[i].empty()) continue;
      std::string base = d.states[i].id;
      for (char& c : base)
        if (c == '-' || c == '.') c = '_';
      std::string name = base;
      for (int n = 2; used.count(name) != 0; ++n) name = base + "_" + std::to_string(n);
      used.insert(names_[i] = name);
    }
  }

  std::string write() {
    out_ = "stateDiagram-v2\n";
    const auto edges = edges_of(d_);
    block(0, 1, edges);
    for (const auto& e : edges)
      if (!local(e)) transition(e, 1);
    return out_;
  }

 private:
  const std::string& name(int s) const { return names_[at(s)]; }
  std::string declaration(int s) const {
    const std::string& id = d_.state(s).id;
    return name(s) == id ? id : "state \"" + id + "\" as " + name(s);
  }
  // A transition between two children of one compound state is written in
  // that state's block; any other after all blocks.
  bool local(const Edge& e) const {
    const int parent = d_.state(e.from).parent;
    return parent == d_.state(e.to).parent && d_.state(parent).type == Type::compound;
  }
  void transition(const Edge& e, int indent) {
    // Mermaid ends a label at '#' or ';': full-width look-alikes keep the text.
    std::string label = join(e.label, " ");
    std::string safe;
    for (char c : label)
      safe += c == ';' ? "\xEF\xBC\x9B" : c == '#' ? "\xEF\xBC\x83" : std::string(1, c);
    out_ += std::string(at(indent * 4), ' ') + name(e.from) + " --> " + name(e.to) +
            (safe.empty() ? "" : " : " + safe) + "\n";
  }
  void block(int c, int indent, const std::vector<Edge>& edges) {
    const State& cs = d_.state(c);
    const std::string pad(at(indent * 4), ' ');
    if (cs.type == Type::compound && cs.initial >= 0)
      out_ += pad + "[*] --> " + name(cs.initial) + "\n";
    bool first = true;
    for (int k : cs.children) {
      if (cs.type == Type::parallel && !first) out_ += pad + "--\n";
      first = false;
      if (is_container(d_.state(k))) {
        out_ += pad + "state " + declaration(k) + " {\n";
        block(k, indent + 1, edges);
        out_ += pad + "}\n";
      } else {
        out_ += pad + declaration(k) + "\n";
      }
    }
    if (cs.type != Type::compound) return;
    for (const auto& e : edges)
      if (d_.state(e.from).parent == c && local(e)) transition(e, indent);
    for (int k : cs.children)
      if (d_.state(k).type == Type::final) out_ += pad + name(k) + " --> [*]\n";
  }

  const Definition& d_;
  std::vector<std::string> names_;
  std::string out_;
};

// ---- Graphviz DOT ----

std::string dot_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  return out + "\"";
}

class DotWriter {
 public:
  explicit DotWriter(const Definition& d) : d_(d) {}

  std::string write() {
    const std::string title = d_.title.empty() ? d_.id : d_.title;
    out_ = "digraph " + dot_quote(d_.id) + " {\n";
    out_ += "  graph [compound=true, rankdir=TB, fontname=\"sans-serif\", labelloc=t, label=" +
            dot_quote(title) + "];\n";
    out_ += "  node [shape=box, style=rounded, fontname=\"sans-serif\", fontsize=12];\n";
    out_ += "  edge [fontname=\"sans-serif\", fontsize=10];\n";
    block(0, 1);
    for (const auto& e : edges_of(d_)) {
      std::vector<std::string> attrs;
      if (!e.label.empty()) {
        std::string label;
        for (const auto& l : e.label) label += (label.empty() ? "" : "\\n") + dot_escape(l);
        attrs.push_back("label=\"" + label + "\"");
      }
      // A compound end is its frame; not when one end contains the other.
      const bool nested = d_.is_descendant(e.from, e.to) || d_.is_descendant(e.to, e.from);
      if (is_container(d_.state(e.from)) && !nested)
        attrs.push_back("ltail=" + dot_quote("cluster_" + d_.state(e.from).id));
      if (is_container(d_.state(e.to)) && !nested)
        attrs.push_back("lhead=" + dot_quote("cluster_" + d_.state(e.to).id));
      out_ += "  " + node(e.from) + " -> " + node(e.to);
      if (!attrs.empty()) out_ += " [" + join(attrs, ", ") + "]";
      out_ += ";\n";
    }
    return out_ + "}\n";
  }

 private:
  static std::string dot_escape(std::string_view s) {
    const std::string q = dot_quote(s);
    return q.substr(1, q.size() - 2);
  }
  // A container is reached through a point inside its cluster: its initial
  // marker, or an invisible anchor for a parallel state.
  std::string node(int s) const {
    const State& st = d_.state(s);
    if (st.type == Type::compound) return dot_quote("(start) " + st.id);
    if (st.type == Type::parallel) return dot_quote("(anchor) " + st.id);
    return dot_quote(st.id);
  }
  void block(int c, int indent) {
    const State& cs = d_.state(c);
    const std::string pad(at(indent * 2), ' ');
    if (cs.type == Type::compound && cs.initial >= 0) {
      const std::string start = c == 0 ? dot_quote("(start)") : node(c);
      out_ += pad + start + " [shape=point, width=0.12, label=\"\"];\n";
      out_ += pad + start + " -> " + node(cs.initial) + ";\n";
    }
    if (cs.type == Type::parallel)
      out_ += pad + node(c) + " [shape=point, style=invis, width=0.01, label=\"\"];\n";
    for (int k : cs.children) {
      const State& ks = d_.state(k);
      if (!is_container(ks)) {
        out_ += pad + dot_quote(ks.id) + (ks.type == Type::final ? " [peripheries=2]" : "") + ";\n";
        continue;
      }
      const bool region = cs.type == Type::parallel;
      out_ += pad + "subgraph " + dot_quote("cluster_" + ks.id) + " {\n";
      out_ += pad + "  label=" + dot_quote(ks.id) + ";\n";
      out_ += pad + "  style=\"" +
              std::string(region                      ? "rounded,dashed"
                          : ks.type == Type::parallel ? "rounded,bold"
                                                      : "rounded") +
              "\";\n";
      block(k, indent + 1);
      out_ += pad + "}\n";
    }
  }

  const Definition& d_;
  std::string out_;
};

// ---- SVG ----

constexpr double kCharWidth = 7.5;       // 13 px sans-serif, Cyrillic included
constexpr double kLabelCharWidth = 6.4;  // 11 px edge labels
constexpr double kTitleCharWidth = 8.6;  // 15 px bold title
constexpr double kBoxHeight = 36, kMinBoxWidth = 80, kBoxPadding = 14;
constexpr double kFramePadding = 16, kFrameHeader = 26, kStartSpace = 34;
constexpr double kColumnGap = 56, kMaxColumnGap = 150, kRowGap = 84, kRegionGap = 14;
constexpr double kMargin = 24, kTitleHeight = 30, kLabelLine = 13;
const char* const kInk = "#24292f";

double text_width(std::string_view s, double per_char) {
  // Code points, not bytes: "Согласование" is 12 characters wide.
  const auto n = std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
  return static_cast<double>(n) * per_char;
}

std::string xml(std::string_view s) {
  std::string out;
  for (char c : s) {
    const char* entity = c == '&'    ? "&amp;"
                         : c == '<'  ? "&lt;"
                         : c == '>'  ? "&gt;"
                         : c == '"'  ? "&quot;"
                         : c == '\'' ? "&apos;"
                                     : nullptr;
    if (entity != nullptr)
      out += entity;
    else
      out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  return out;
}

// Whole pixels: exact, locale-free and identical on every run.
std::string num(double v) {
  return std::to_string(std::llround(v));
}

std::string arg(double v) {
  return num(v);
}
std::string arg(const std::string& s) {
  return xml(s);
}
std::string arg(const char* s) {
  return xml(s);
}

// `pattern` (markup) with each {} replaced by the next value: numbers in whole
// pixels, text escaped.
template <typename... Values>
std::string markup(std::string_view pattern, const Values&... values) {
  const std::vector<std::string> args{arg(values)...};
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.compare(i, 2, "{}") == 0 && next < args.size()) {
      out += args[next++];
      ++i;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

struct Point {
  double x = 0, y = 0;
};

struct Rect {
  double x = 0, y = 0, w = 0, h = 0;
  Point center() const { return {x + w / 2, y + h / 2}; }
  bool contains(Point p, double margin) const {
    return p.x > x - margin && p.x < x + w + margin && p.y > y - margin && p.y < y + h + margin;
  }
  bool overlaps(const Rect& o) const {
    return x < o.x + o.w && o.x < x + w && y < o.y + o.h && o.y < y + h;
  }
  // The area this rectangle shares with `o` (0 when apart).
  double shared_area(const Rect& o) const {
    const double ox = std::min(x + w, o.x + o.w) - std::max(x, o.x);
    const double oy = std::min(y + h, o.y + o.h) - std::max(y, o.y);
    return ox > 0 && oy > 0 ? ox * oy : 0;
  }
};

// A rounded rectangle; `style` is markup.
std::string rect(const Rect& r, double radius, const std::string& style) {
  return markup("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" ", r.x, r.y, r.w, r.h,
                radius) +
         style + "/>";
}

std::string arrow(const std::string& d) {
  return markup(
      "<path d=\"{}\" stroke=\"#57606a\" stroke-width=\"1.3\" fill=\"none\" "
      "marker-end=\"url(#opora-arrow)\"/>\n",
      d);
}

std::string point(Point p) {
  return num(p.x) + "," + num(p.y);
}

// Where the ray from the centre of r towards p leaves r.
Point border(const Rect& r, Point toward) {
  const Point c = r.center();
  const double dx = toward.x - c.x, dy = toward.y - c.y;
  if (std::abs(dx) < 1e-9 && std::abs(dy) < 1e-9) return {c.x, r.y};
  const double inf = std::numeric_limits<double>::infinity();
  const double tx = std::abs(dx) < 1e-9 ? inf : r.w / 2 / std::abs(dx);
  const double ty = std::abs(dy) < 1e-9 ? inf : r.h / 2 / std::abs(dy);
  const double t = std::min(tx, ty);
  return {c.x + dx * t, c.y + dy * t};
}

Point bezier(Point a, Point c, Point b, double t) {
  const double u = 1 - t;
  return {u * u * a.x + 2 * u * t * c.x + t * t * b.x, u * u * a.y + 2 * u * t * c.y + t * t * b.y};
}

class SvgWriter {
 public:
  SvgWriter(const Definition& d, const std::map<std::string, int64_t>& counts)
      : d_(d), counts_(counts), edges_(edges_of(d)), r_(d.states.size()) {}

  std::string write() {
    measure(0);
    place(0);
    bounds_ = r_[0];
    for (size_t i = 1; i < d_.states.size(); ++i)
      if (is_container(d_.states[i])) frame(static_cast<int>(i));
    for (size_t i = 0; i < d_.states.size(); ++i) start_marker(static_cast<int>(i));
    edges();
    for (size_t i = 1; i < d_.states.size(); ++i)
      if (!is_container(d_.states[i])) box(static_cast<int>(i));
    badges();
    // Curves that go around a frame may leave the laid-out area.
    const Rect& b = bounds_;
    std::string svg = markup(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{}\" height=\"{}\" "
        "viewBox=\"{} {} {} {}\" font-family=\"sans-serif\" font-size=\"13\">\n<title>{}</title>\n",
        b.w, b.h, b.x, b.y, b.w, b.h,
        title() + " (" + d_.id + " v" + std::to_string(d_.version) + ")");
    svg +=
        "<defs><marker id=\"opora-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
        "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" "
        "fill=\"#57606a\"/></marker></defs>\n";
    svg += rect(b, 0, "fill=\"#ffffff\"") + "\n";
    svg += markup(
        "<text x=\"{}\" y=\"{}\" font-size=\"15\" font-weight=\"bold\" fill=\"{}\">{}</text>\n",
        kMargin, kMargin + 18, kInk, title());
    // Labels and frame titles go over the lines, badges over everything.
    return svg + out_ + labels_ + titles_ + badges_ + "</svg>\n";
  }

 private:
  std::string title() const { return d_.title.empty() ? d_.id : d_.title; }
  double top(int c) const { return c == 0 ? kMargin + kTitleHeight : kFrameHeader; }

  void extend(Point p, double margin) {
    Rect& b = bounds_;
    const double x0 = std::min(b.x, p.x - margin), y0 = std::min(b.y, p.y - margin);
    b.w = std::max(b.x + b.w, p.x + margin) - x0;
    b.h = std::max(b.y + b.h, p.y + margin) - y0;
    b.x = x0;
    b.y = y0;
  }

  // Sizes every state and places children relative to their parent.
  void measure(int s) {
    const State& st = d_.state(s);
    Rect& me = r_[at(s)];
    if (s != 0 && !is_container(st)) {
      me.w = std::max(kMinBoxWidth, text_width(st.id, kCharWidth) + 2 * kBoxPadding);
      me.h = kBoxHeight;
      return;
    }
    for (int c : st.children) measure(c);
    const double pad = s == 0 ? kMargin : kFramePadding;
    const double label = s == 0 ? text_width(title(), kTitleCharWidth)
                                : text_width(st.id, kCharWidth) + 2 * kBoxPadding;
    if (st.type == Type::parallel) {
      // Regions side by side, all entered at once.
      double x = 0, h = 0;
      for (int c : st.children) {
        r_[at(c)].x = x;
        r_[at(c)].y = top(s);
        x += r_[at(c)].w + kRegionGap;
        h = std::max(h, r_[at(c)].h);
      }
      const double content = x - kRegionGap;
      me.w = std::max(content, label) + 2 * pad;
      for (int c : st.children) r_[at(c)].x += (me.w - content) / 2;
      me.h = top(s) + h + pad;
      return;
    }
    double gap = kColumnGap;
    const auto layers = rows(s, gap);
    std::vector<double> row_w, row_h;
    double content = 0;
    for (const auto& row : layers) {
      double w = 0, h = 0;
      for (int c : row) {
        w += r_[at(c)].w + (w > 0 ? gap : 0);
        h = std::max(h, r_[at(c)].h);
      }
      row_w.push_back(w);
      row_h.push_back(h);
      content = std::max(content, w);
    }
    me.w = std::max(content, label) + 2 * pad;
    double y = top(s) + (st.initial >= 0 ? kStartSpace : pad / 2);
    for (size_t i = 0; i < layers.size(); ++i) {
      double x = (me.w - row_w[i]) / 2;
      for (int c : layers[i]) {
        r_[at(c)].x = x;
        r_[at(c)].y = y + (row_h[i] - r_[at(c)].h) / 2;
        x += r_[at(c)].w + gap;
      }
      y += row_h[i] + kRowGap;
    }
    me.h = (layers.empty() ? y : y - kRowGap) + pad;
  }

  void place(int s) {
    for (int c : d_.state(s).children) {
      r_[at(c)].x += r_[at(s)].x;
      r_[at(c)].y += r_[at(s)].y;
      place(c);
    }
  }

  // The children of compound state c in layers: the longest path from the
  // initial child over the transitions between them (lifted to the children
  // that contain their ends), back edges found by a depth-first search in
  // document order ignored; document order within a layer.
  std::vector<std::vector<int>> rows(int c, double& gap) const {
    const State& cs = d_.state(c);
    const size_t n = cs.children.size();
    std::vector<int> local(d_.states.size(), -1);
    for (size_t i = 0; i < n; ++i) local[at(cs.children[i])] = static_cast<int>(i);
    auto lift = [&](int s) {
      while (s >= 0 && d_.state(s).parent != c) s = d_.state(s).parent;
      return s < 0 ? -1 : local[at(s)];
    };
    std::vector<std::vector<size_t>> next(n);
    for (const auto& e : edges_) {
      const int u = lift(e.from), v = lift(e.to);
      if (u < 0 || v < 0 || u == v) continue;
      next[at(u)].push_back(at(v));
      // Columns wide enough for the labels of the edges between them.
      for (const auto& l : e.label)
        gap = std::min(kMaxColumnGap, std::max(gap, text_width(l, kLabelCharWidth) / 2 + 24));
    }
    std::vector<int> mark(n, 0);  // 0 new, 1 on the stack, 2 done
    std::vector<size_t> postorder;
    std::vector<std::vector<size_t>> forward(n);
    std::function<void(size_t)> visit = [&](size_t u) {
      mark[u] = 1;
      for (size_t v : next[u]) {
        if (mark[v] == 1) continue;  // a back edge: a loop such as rework -> review
        forward[u].push_back(v);
        if (mark[v] == 0) visit(v);
      }
      mark[u] = 2;
      postorder.push_back(u);
    };
    if (cs.initial >= 0 && local[at(cs.initial)] >= 0) visit(at(local[at(cs.initial)]));
    for (size_t i = 0; i < n; ++i)
      if (mark[i] == 0) visit(i);
    std::vector<size_t> layer(n, 0);
    for (auto it = postorder.rbegin(); it != postorder.rend(); ++it)
      for (size_t v : forward[*it]) layer[v] = std::max(layer[v], layer[*it] + 1);
    std::vector<std::vector<int>> out;
    for (size_t i = 0; i < n; ++i) {
      if (layer[i] >= out.size()) out.resize(layer[i] + 1);
      out[layer[i]].push_back(cs.children[i]);
    }
    return out;
  }

  void frame(int s) {
    const State& st = d_.state(s);
    const Rect& r = r_[at(s)];
    const bool region = d_.state(st.parent).type == Type::parallel;
    out_ += markup("<g class=\"state {}\" data-state=\"{}\">",
                   st.type == Type::parallel ? "parallel" : "compound", st.id) +
            rect(r, 10,
                 markup("fill=\"{}\" stroke=\"#8c959f\" stroke-width=\"1.5\"",
                        st.depth % 2 == 1 ? "#f6f8fa" : "#eaeef2") +
                     (region ? " stroke-dasharray=\"6 4\"" : "")) +
            "</g>\n";
    titles_ += markup(
        "<text class=\"frame-title\" x=\"{}\" y=\"{}\" font-weight=\"bold\" "
        "fill=\"{}\">{}</text>\n",
        r.x + 10, r.y + 18, kInk, st.id);
    taken_.push_back(Rect{r.x + 6, r.y + 4, text_width(st.id, kCharWidth) + 8, 18});
  }

  void box(int s) {
    const State& st = d_.state(s);
    const Rect& r = r_[at(s)];
    const bool final_state = st.type == Type::final;
    const std::string style = "fill=\"#ffffff\" stroke=\"#57606a\" stroke-width=\"1.5\"";
    out_ += markup("<g class=\"state{}\" data-state=\"{}\">", final_state ? " final" : "", st.id) +
            rect(r, 8, style);
    if (final_state)  // the double border
      out_ += rect(Rect{r.x + 4, r.y + 4, r.w - 8, r.h - 8}, 5,
                   "fill=\"none\" stroke=\"#57606a\" stroke-width=\"1.5\"");
    out_ += markup("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}</text></g>\n",
                   r.center().x, r.center().y + 4.5, kInk, st.id);
  }

  // A dot above the initial child of the root and of each compound state.
  void start_marker(int c) {
    const State& cs = d_.state(c);
    if (cs.type != Type::compound || cs.initial < 0) return;
    const Rect& target = r_[at(cs.initial)];
    const Point dot{target.center().x, r_[at(c)].y + top(c) + 8};
    out_ += markup("<circle cx=\"{}\" cy=\"{}\" r=\"6\" fill=\"{}\"/>", dot.x, dot.y, kInk);
    out_ += arrow("M" + point({dot.x, dot.y + 6}) + " L" + point({dot.x, target.y}));
  }

  // How many boxes and frames a curve from a to b crosses besides its own
  // ends and the frames around them.
  int obstacles(int from, int to, Point a, Point c, Point b) const {
    int hits = 0;
    for (size_t k = 1; k < d_.states.size(); ++k) {
      const int ki = static_cast<int>(k);
      if (ki == from || ki == to || d_.is_descendant(ki, from) || d_.is_descendant(ki, to) ||
          d_.is_descendant(from, ki) || d_.is_descendant(to, ki))
        continue;
      for (int i = 1; i < 20; ++i)
        if (r_[k].contains(bezier(a, c, b, i / 20.0), 4)) {
          ++hits;
          break;
        }
    }
    return hits;
  }

  // How much of `r` lies over boxes and labels already placed (0: free).
  double covered(const Rect& r) const {
    double area = 0;
    for (const auto& t : taken_) area += t.shared_area(r);
    for (size_t k = 1; k < d_.states.size(); ++k)
      if (!is_container(d_.states[k])) area += r_[k].shared_area(r);
    return area;
  }

  // A label at the first of `spots` (a point on its line and a unit vector
  // to push it off the line along) where it covers no box and no other label;
  // where every spot covers something, the one that covers least.
  void label(const std::vector<std::pair<Point, Point>>& spots,
             const std::vector<std::string>& lines, bool centred) {
    if (lines.empty()) return;
    double w = 0;
    for (const auto& l : lines) w = std::max(w, text_width(l, kLabelCharWidth));
    w += 8;
    const double h = static_cast<double>(lines.size()) * kLabelLine + 4;
    Rect chosen;
    double least = std::numeric_limits<double>::max();
    for (const auto& [p, side] : spots) {
      const double push = std::abs(side.x) * (w / 2 + 2) + std::abs(side.y) * (h / 2 + 2);
      const Point c{p.x + side.x * push, p.y + side.y * push};
      const Rect r{centred ? c.x - w / 2 : c.x, c.y - h / 2, w, h};
      const double area = covered(r);
      if (area < least) {
        least = area;
        chosen = r;
      }
      if (area == 0) break;
    }
    taken_.push_back(chosen);
    extend({chosen.x, chosen.y}, 4);
    extend({chosen.x + w, chosen.y + h}, 4);
    labels_ += "<g class=\"label\">" + rect(chosen, 3, "fill=\"#ffffff\" fill-opacity=\"0.9\"") +
               markup("<text font-size=\"11\" fill=\"{}\" text-anchor=\"{}\">", kInk,
                      centred ? "middle" : "start");
    for (size_t i = 0; i < lines.size(); ++i)
      labels_ +=
          markup("<tspan x=\"{}\" y=\"{}\">{}</tspan>", centred ? chosen.center().x : chosen.x + 4,
                 chosen.y + 12 + static_cast<double>(i) * kLabelLine, lines[i]);
    labels_ += "</text></g>\n";
  }

  void edges() {
    // Transitions between the same two states bend apart.
    std::map<std::pair<int, int>, int> group_size, group_seen;
    for (const auto& e : edges_) ++group_size[std::minmax(e.from, e.to)];
    std::map<int, int> loops;
    for (const auto& e : edges_) {
      const auto key = std::minmax(e.from, e.to);
      const int index = group_seen[key]++, n = group_size[key];
      const Rect &a = r_[at(e.from)], &b = r_[at(e.to)];
      if (e.from == e.to) {
        const double reach = 36 + 18 * loops[e.from]++;
        const Point s{a.x + a.w, a.center().y - 8};
        out_ += arrow("M" + point(s) + " C" + point({s.x + reach, s.y - 24}) + " " +
                      point({s.x + reach, s.y + 40}) + " " + point({s.x, s.y + 16}));
        extend({s.x + reach, s.y}, 8);
        label({{{s.x + reach * 0.75 + 4, s.y + 8}, {}}}, e.label, false);
        continue;
      }
      if (d_.is_descendant(e.from, e.to) || d_.is_descendant(e.to, e.from)) {
        // Into or out of an enclosing frame: a short vertical line at its top.
        const bool up = d_.is_descendant(e.from, e.to);
        const Rect& inner = up ? a : b;
        const Rect& outer = up ? b : a;
        const double x = inner.x + inner.w * 0.75;
        const Point p{x, up ? inner.y : outer.y + kFrameHeader}, q{x, up ? outer.y : inner.y};
        out_ += arrow("M" + point(p) + " L" + point(q));
        label({{{x + 4, (p.y + q.y) / 2}, {}}}, e.label, false);
        continue;
      }
      // Bend relative to the pair's canonical direction so parallel
      // transitions of a group stay apart whichever way they point.
      const Point lo = r_[at(key.first)].center(), hi = r_[at(key.second)].center();
      const double dx = hi.x - lo.x, dy = hi.y - lo.y, len = std::max(1.0, std::hypot(dx, dy));
      const Point normal{-dy / len, dx / len};
      const double spread = (index - (n - 1) / 2.0) * 50;
      const Point ca = a.center(), cb = b.center(), mid{(ca.x + cb.x) / 2, (ca.y + cb.y) / 2};
      auto control = [&](double off) {
        return Point{mid.x + normal.x * off, mid.y + normal.y * off};
      };
      double best = spread;
      int fewest = std::numeric_limits<int>::max();
      for (double extra : {0.0, 60.0, -60.0, 120.0, -120.0, 200.0, -200.0, 300.0, -300.0, 450.0,
                           -450.0, 600.0, -600.0}) {
        const int hits = obstacles(e.from, e.to, ca, control(spread + extra), cb);
        if (hits < fewest) {
          fewest = hits;
          best = spread + extra;
        }
        if (hits == 0) break;
      }
      const Point c = control(best);
      if (std::abs(best) < 0.5) {
        const Point p = border(a, cb), q = border(b, ca);
        out_ += arrow("M" + point(p) + " L" + point(q));
        auto along = [&](double t) { return Point{p.x + (q.x - p.x) * t, p.y + (q.y - p.y) * t}; };
        const Point off{-normal.x, -normal.y};
        label({{along(0.5), {}},
               {along(0.3), {}},
               {along(0.7), {}},
               {along(0.5), normal},
               {along(0.5), off},
               {along(0.2), {}},
               {along(0.8), {}},
               {along(0.3), normal},
               {along(0.7), normal},
               {along(0.3), off},
               {along(0.7), off}},
              e.label, true);
        continue;
      }
      const Point p = border(a, c), q = border(b, c);
      out_ += arrow("M" + point(p) + " Q" + point(c) + " " + point(q));
      for (int i = 1; i < 10; ++i) extend(bezier(p, c, q, i / 10.0), 8);
      const double sign = best > 0 ? 1 : -1;
      const Point side{normal.x * sign, normal.y * sign}, other{-side.x, -side.y};
      const Point apex = bezier(p, c, q, 0.5);
      label({{apex, side},
             {apex, {}},
             {apex, other},
             {bezier(p, c, q, 0.3), side},
             {bezier(p, c, q, 0.7), side},
             {bezier(p, c, q, 0.3), {}},
             {bezier(p, c, q, 0.7), {}},
             {bezier(p, c, q, 0.3), other},
             {bezier(p, c, q, 0.7), other}},
            e.label, true);
    }
  }

  void badges() {
    for (const auto& [id, count] : counts_) {
      const auto it = d_.index.find(id);
      if (it == d_.index.end() || it->second == 0) continue;
      const Rect& r = r_[at(it->second)];
      const std::string text = std::to_string(count);
      const double w = std::max(20.0, 8 + 7 * static_cast<double>(text.size()));
      const double x = r.x + r.w - 4;
      badges_ += markup("<g class=\"badge\" data-state=\"{}\">", id) +
                 rect(Rect{x - w / 2, r.y - 9, w, 18}, 9,
                      markup("fill=\"{}\"", count > 0 ? "#0969da" : "#8c959f")) +
                 markup(
                     "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" "
                     "font-weight=\"bold\" fill=\"#ffffff\">{}</text></g>\n",
                     x, r.y + 4, text);
      extend({x + w / 2, r.y - 9}, 4);
    }
  }

  const Definition& d_;
  const std::map<std::string, int64_t>& counts_;
  const std::vector<Edge> edges_;
  std::vector<Rect> r_;      // by state index; absolute after place()
  Rect bounds_;              // what is drawn, margins included
  std::vector<Rect> taken_;  // labels and frame titles placed so far
  std::string out_, labels_, titles_, badges_;
};

}  // namespace

std::string to_mermaid(const Definition& d) {
  return MermaidWriter(d).write();
}

std::string to_dot(const Definition& d) {
  return DotWriter(d).write();
}

std::string to_svg(const Definition& d, const std::map<std::string, int64_t>& counts) {
  return SvgWriter(d, counts).write();
}

}  // namespace opora::workflow
