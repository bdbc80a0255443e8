// JsonReader: walks a parsed nlohmann::json value while tracking the JSON path, with typed getters whose errors say
// where ("$.steps[1].run") and what was expected ("expected a non-empty string, got a number"). Used by the job spec
// parser; written to be reused by other JSON file parsers (worker config).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hodei::job {

// 1-based line and column (in characters) of a place in a JSON text.
struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;

  bool operator==(const TextPosition &) const = default;
};

// A JSON document that is malformed or does not have the expected shape. `path()` is where ("$" for the document
// itself), `problem()` what is wrong ("expected an integer between 1 and 10, got 0"), `position()` is set for
// syntax errors only. `what()` is "path: problem" (or "line:column: problem"); callers add the source name.
class JsonReadError : public std::runtime_error {
public:
  JsonReadError(std::string path, std::string problem, std::optional<TextPosition> position = std::nullopt);

  [[nodiscard]] const std::string &path() const noexcept { return path_; }
  [[nodiscard]] const std::string &problem() const noexcept { return problem_; }
  [[nodiscard]] const std::optional<TextPosition> &position() const noexcept { return position_; }

private:
  std::string path_;
  std::string problem_;
  std::optional<TextPosition> position_;
};

// "source: $.a.b: problem", or "source:line:column: problem" for syntax errors.
std::string format_json_error(std::string_view source_name, const JsonReadError &error);

// What a value is, for "got ..." in messages: "null", "true", "the number 3", "an empty string", "a string",
// "an array", "an object". String contents are never shown (they may be secrets).
std::string describe_json_value(const nlohmann::json &value);

// A view of one value of a parsed document and its path. Cheap to copy; the document must outlive the readers.
// Every getter checks the type (and constraints) and throws JsonReadError naming this reader's path.
class JsonReader {
public:
  explicit JsonReader(const nlohmann::json &value, std::string path = "$");
  JsonReader(const nlohmann::json &&, std::string = "$") = delete; // would dangle

  [[nodiscard]] const std::string &path() const noexcept { return path_; }
  [[nodiscard]] const nlohmann::json &value() const noexcept { return *value_; }

  // Throws JsonReadError(path(), problem).
  [[noreturn]] void fail(const std::string &problem) const;

  // --- objects (each throws "expected an object" when this value is not one)
  void expect_object() const;
  // Member `key` if present.
  [[nodiscard]] std::optional<JsonReader> optional(std::string_view key) const;
  // Member `key`; "missing required field 'key'" (at the member's path) when absent.
  [[nodiscard]] JsonReader required(std::string_view key) const;
  // All members, in key order.
  [[nodiscard]] std::vector<std::pair<std::string, JsonReader>> members() const;
  // Throws for the first key not in `allowed`: "unknown field 'stpes' (did you mean 'steps'?); expected one of: ...".
  void reject_unknown_keys(const std::vector<std::string> &allowed) const;

  // --- arrays
  // The elements; throws unless this is an array of min_count..max_count elements.
  [[nodiscard]] std::vector<JsonReader> elements(std::size_t min_count = 0,
                                                 std::size_t max_count = std::numeric_limits<std::size_t>::max()) const;

  // --- scalars
  // Any string without NUL characters (they cannot pass through environments, argv or file names).
  [[nodiscard]] std::string string() const;
  // A string with at least one non-whitespace character and at most `max_chars` characters (UTF-8 code points).
  [[nodiscard]] std::string non_empty_string(std::size_t max_chars = std::numeric_limits<std::size_t>::max()) const;
  [[nodiscard]] bool boolean() const;
  // An integer (not 1.0, not "1") in [min, max].
  [[nodiscard]] std::int64_t integer(std::int64_t min, std::int64_t max) const;
  // A string equal to one of `choices`, with a did-you-mean for near misses.
  [[nodiscard]] std::string one_of(const std::vector<std::string> &choices) const;

  // This value as compact JSON text.
  [[nodiscard]] std::string compact_text() const;

private:
  [[noreturn]] void fail_expected(const std::string &expected) const; // "expected X, got Y"
  [[nodiscard]] JsonReader member(const std::string &key, const nlohmann::json &value) const;

  const nlohmann::json *value_;
  std::string path_;
};

} // namespace hodei::job
