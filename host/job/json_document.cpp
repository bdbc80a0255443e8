#include "json_document.hpp"

#include "json_path.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace hodei::job {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// Follows the parser's callbacks to know the path of the value being parsed, refusing duplicate keys and nesting
// deeper than the limit as soon as they appear.
class StructureGuard {
public:
  explicit StructureGuard(std::size_t max_depth) : max_depth_(max_depth) {}

  bool on_event(Json::parse_event_t event, const Json &parsed) {
    switch (event) {
    case Json::parse_event_t::object_start:
      open(false);
      break;
    case Json::parse_event_t::array_start:
      open(true);
      break;
    case Json::parse_event_t::key:
      on_key(parsed.get_ref<const std::string &>());
      break;
    case Json::parse_event_t::object_end:
    case Json::parse_event_t::array_end:
      frames_.pop_back();
      element_done();
      break;
    case Json::parse_event_t::value:
      element_done();
      break;
    }
    return true; // keep every value
  }

  // The path of the value being parsed now.
  [[nodiscard]] std::string current_path() const {
    std::string path = "$";
    for (const Frame &frame : frames_) {
      if (frame.is_array) {
        path = json_path_index(path, frame.index);
      } else if (frame.has_key) {
        path = json_path_member(path, frame.key);
      }
    }
    return path;
  }

private:
  struct Frame {
    bool is_array = false;
    std::size_t index = 0; // arrays: the element being parsed
    bool has_key = false;  // objects: the member being parsed
    std::string key;
    std::set<std::string> keys; // objects: keys seen so far
  };

  void open(bool is_array) {
    if (frames_.size() >= max_depth_) {
      throw JsonReadError(current_path(), "nested deeper than the limit of " + std::to_string(max_depth_) +
                                              " levels of objects and arrays");
    }
    Frame frame;
    frame.is_array = is_array;
    frames_.push_back(std::move(frame));
  }

  void on_key(const std::string &key) {
    Frame &frame = frames_.back();
    frame.key = key;
    frame.has_key = true;
    if (!frame.keys.insert(key).second) throw JsonReadError(current_path(), "duplicate key " + quote_for_message(key));
  }

  void element_done() {
    if (!frames_.empty() && frames_.back().is_array) ++frames_.back().index;
  }

  std::size_t max_depth_;
  std::vector<Frame> frames_;
};

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1, column 2: " prefix and
// without the "; last read: '...'" excerpt of the input (it could show part of a secret).
std::string reason_of(const std::string &what) {
  std::string_view reason = what;
  if (reason.starts_with('[')) {
    if (const auto end = reason.find("] "); end != std::string_view::npos) reason.remove_prefix(end + 2);
  }
  if (reason.starts_with("parse error")) {
    if (const auto colon = reason.find(": "); colon != std::string_view::npos) reason.remove_prefix(colon + 2);
  }
  std::string out(reason);
  if (const auto excerpt = out.find("; last read: '"); excerpt != std::string::npos) {
    const auto expected = out.rfind("'; expected ");
    const std::string tail = expected != std::string::npos && expected > excerpt ? out.substr(expected + 1) : "";
    out = out.substr(0, excerpt) + tail;
  }
  return out;
}

bool is_literal_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '+' || c == '-';
}

// Whether the character at `index` follows an odd number of backslashes.
bool is_escaped(std::string_view text, std::size_t index) {
  std::size_t backslashes = 0;
  while (backslashes < index && text[index - 1 - backslashes] == '\\') ++backslashes;
  return backslashes % 2 == 1;
}

// nlohmann reports a well-formed token in the wrong place ("unexpected string literal") at its last character;
// point at its first one instead, where an editor's cursor should go.
std::size_t token_start(std::string_view text, std::size_t last) {
  if (last >= text.size()) return last;
  if (text[last] == '"') {
    for (std::size_t i = last; i-- > 0;) {
      if (text[i] == '"' && !is_escaped(text, i)) return i;
    }
    return last;
  }
  std::size_t start = last;
  while (start > 0 && is_literal_char(text[start]) && is_literal_char(text[start - 1])) --start;
  return start;
}

std::size_t error_offset(std::string_view text, const Json::parse_error &error) {
  const std::size_t last = error.byte > 0 ? error.byte - 1 : 0; // e.byte: 1-based index of the last character read
  const std::string_view what = error.what();
  const bool misplaced_token = what.find(" - unexpected ") != std::string_view::npos &&
                               what.find("unexpected end of input") == std::string_view::npos;
  return misplaced_token ? token_start(text, last) : last;
}

} // namespace

TextPosition text_position(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  TextPosition position;
  std::size_t start = text.starts_with(kByteOrderMark) ? kByteOrderMark.size() : 0;
  for (std::size_t i = start; i < offset; ++i) {
    if (text[i] == '\n') {
      ++position.line;
      start = i + 1;
    }
  }
  for (std::size_t i = std::min(start, offset); i < offset; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0U) != 0x80U) ++position.column;
  }
  return position;
}

Json parse_json_document(std::string_view text, const JsonLimits &limits) {
  if (text.size() > limits.max_bytes) {
    throw JsonReadError("$", "input too large: " + std::to_string(text.size()) + " bytes, the limit is " +
                                 std::to_string(limits.max_bytes) + " bytes");
  }
  StructureGuard guard(limits.max_depth);
  const Json::parser_callback_t callback = [&guard](int /*depth*/, Json::parse_event_t event, Json &parsed) {
    return guard.on_event(event, parsed);
  };
  try {
    return Json::parse(text.data(), text.data() + text.size(), callback, /*allow_exceptions=*/true,
                       /*ignore_comments=*/true);
  } catch (const Json::parse_error &e) {
    throw JsonReadError("$", "invalid JSON: " + reason_of(e.what()), text_position(text, error_offset(text, e)));
  } catch (const Json::exception &e) { // e.g. out_of_range.406 "number overflow parsing '1e400'"
    throw JsonReadError(guard.current_path(), "invalid JSON: " + reason_of(e.what()));
  }
}

} // namespace hodei::job
