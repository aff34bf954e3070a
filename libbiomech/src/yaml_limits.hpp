// Limits on a YAML document, checked on the parser's events before the
// document is loaded (YAML::Load shares aliased nodes, but every loop over
// them expands them): aliases may not expand the document beyond
// kMaxYamlValues values (a few lines of nested aliases would otherwise expand
// to billions), nesting may not go deeper than kMaxYamlDepth, and an alias may
// not refer to a node that encloses it. Errors are FileError(file, line,
// "<file>", ...). Internal to libbiomech (biomech::io); Python's sweep
// configs apply the same limits (python/biomech/_yaml.py).
#pragma once
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include "biomech/errors.hpp"

namespace biomech {

namespace detail {

class YamlLimits : public YAML::EventHandler {
 public:
  explicit YamlLimits(std::string file) : file_(std::move(file)) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override { leaf(m, a); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t a, const std::string&) override { leaf(m, a); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t a) override {
    if (a >= size_.size() || size_[a] == 0)
      fail(m, "an alias refers to a node that encloses it (a cycle)");
    add(size_[a], m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    std::size_t start;
    YAML::anchor_t anchor;
  };
  [[noreturn]] void fail(const YAML::Mark& m, const std::string& msg) const {
    throw FileError(file_, m.line >= 0 ? m.line + 1 : 0, "<file>", msg);
  }
  void add(std::size_t n, const YAML::Mark& m) {
    total_ += n;
    if (total_ > kMaxYamlValues)
      fail(m, "more than " + std::to_string(kMaxYamlValues) + " values once aliases are expanded (an alias bomb?)");
  }
  void set_size(YAML::anchor_t a, std::size_t n) {
    if (a == YAML::NullAnchor) return;
    if (size_.size() <= a) size_.resize(a + 1, 0);
    size_[a] = n;
  }
  void leaf(const YAML::Mark& m, YAML::anchor_t a) {
    add(1, m);
    set_size(a, 1);
  }
  void open(const YAML::Mark& m, YAML::anchor_t a) {
    if (stack_.size() >= static_cast<std::size_t>(kMaxYamlDepth))
      fail(m, "nested deeper than " + std::to_string(kMaxYamlDepth) + " levels");
    if (a != YAML::NullAnchor && size_.size() <= a) size_.resize(a + 1, 0);  // known, not yet sized: open
    stack_.push_back({total_, a});
    add(1, m);
  }
  void close() {
    const Open o = stack_.back();
    stack_.pop_back();
    set_size(o.anchor, total_ - o.start);
  }

  std::string file_;
  std::vector<std::size_t> size_;  // expanded size by anchor id; 0 = open or unknown
  std::vector<Open> stack_;
  std::size_t total_ = 0;
};

}  // namespace detail

// Throws FileError naming `file` and the line when `text` breaks a limit
// above or is not valid YAML.
inline void check_yaml_limits(const std::string& file, const std::string& text) {
  std::istringstream in(text);
  detail::YamlLimits limits(file);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(limits)) {
    }
  } catch (const YAML::Exception& e) {
    throw FileError(file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "<file>", "not valid YAML: " + e.msg);
  }
}

}  // namespace biomech
