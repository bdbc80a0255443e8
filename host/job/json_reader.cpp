#include "json_reader.hpp"

#include "did_you_mean.hpp"
#include "json_path.hpp"
#include "spec_rules.hpp"

#include <algorithm>

namespace hodei::job {
namespace {

std::string error_what(const std::string &path, const std::string &problem,
                       const std::optional<TextPosition> &position) {
  if (position) return std::to_string(position->line) + ":" + std::to_string(position->column) + ": " + problem;
  return path + ": " + problem;
}

std::string join(const std::vector<std::string> &words, std::string_view separator) {
  std::string out;
  for (const std::string &word : words) {
    if (!out.empty()) out += separator;
    out += word;
  }
  return out;
}

std::string quoted_list(const std::vector<std::string> &words) {
  std::vector<std::string> quoted_words;
  quoted_words.reserve(words.size());
  for (const std::string &word : words) quoted_words.push_back(quote_for_message(word));
  return join(quoted_words, ", ");
}

std::string describe_string(const std::string &text) {
  if (text.empty()) return "an empty string";
  if (is_blank(text)) return "a blank string";
  return "a string";
}

std::string count_range(std::size_t min_count, std::size_t max_count) {
  constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();
  if (max_count == kUnbounded)
    return min_count == 1 ? "a non-empty array" : "an array of at least " + std::to_string(min_count) + " elements";
  if (min_count == 0) return "an array of at most " + std::to_string(max_count) + " elements";
  if (min_count == 1) return "a non-empty array of at most " + std::to_string(max_count) + " elements";
  return "an array of " + std::to_string(min_count) + " to " + std::to_string(max_count) + " elements";
}

} // namespace

JsonReadError::JsonReadError(std::string path, std::string problem, std::optional<TextPosition> position)
    : std::runtime_error(error_what(path, problem, position)), path_(std::move(path)), problem_(std::move(problem)),
      position_(position) {}

std::string format_json_error(std::string_view source_name, const JsonReadError &error) {
  if (error.position()) {
    return std::string(source_name) + ":" + std::to_string(error.position()->line) + ":" +
           std::to_string(error.position()->column) + ": " + error.problem();
  }
  return std::string(source_name) + ": " + error.path() + ": " + error.problem();
}

std::string describe_json_value(const nlohmann::json &value) {
  switch (value.type()) {
  case nlohmann::json::value_t::null:
    return "null";
  case nlohmann::json::value_t::boolean:
    return value.get<bool>() ? "true" : "false";
  case nlohmann::json::value_t::number_integer:
  case nlohmann::json::value_t::number_unsigned:
  case nlohmann::json::value_t::number_float:
    return "the number " + value.dump();
  case nlohmann::json::value_t::string:
    return describe_string(value.get_ref<const std::string &>());
  case nlohmann::json::value_t::array:
    return "an array";
  case nlohmann::json::value_t::object:
    return "an object";
  case nlohmann::json::value_t::binary:
  case nlohmann::json::value_t::discarded:
    break;
  }
  return "an unsupported value";
}

JsonReader::JsonReader(const nlohmann::json &value, std::string path) : value_(&value), path_(std::move(path)) {}

void JsonReader::fail(const std::string &problem) const { throw JsonReadError(path_, problem); }

void JsonReader::fail_expected(const std::string &expected) const {
  fail("expected " + expected + ", got " + describe_json_value(*value_));
}

JsonReader JsonReader::member(const std::string &key, const nlohmann::json &value) const {
  return JsonReader(value, json_path_member(path_, key));
}

void JsonReader::expect_object() const {
  if (!value_->is_object()) fail_expected("an object");
}

std::optional<JsonReader> JsonReader::optional(std::string_view key) const {
  expect_object();
  const auto it = value_->find(key);
  if (it == value_->end()) return std::nullopt;
  return member(it.key(), *it);
}

JsonReader JsonReader::required(std::string_view key) const {
  if (std::optional<JsonReader> found = optional(key)) return *found;
  throw JsonReadError(json_path_member(path_, key), "missing required field " + quote_for_message(key));
}

std::vector<std::pair<std::string, JsonReader>> JsonReader::members() const {
  expect_object();
  std::vector<std::pair<std::string, JsonReader>> out;
  out.reserve(value_->size());
  for (auto it = value_->begin(); it != value_->end(); ++it) out.emplace_back(it.key(), member(it.key(), *it));
  return out;
}

void JsonReader::reject_unknown_keys(const std::vector<std::string> &allowed) const {
  expect_object();
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
    std::string problem = "unknown field " + quote_for_message(it.key());
    if (const auto suggestion = closest_match(it.key(), allowed))
      problem += " (did you mean " + quote_for_message(*suggestion) + "?)";
    problem += allowed.empty() ? "; this object takes no fields" : "; expected one of: " + join(allowed, ", ");
    throw JsonReadError(json_path_member(path_, it.key()), problem);
  }
}

std::vector<JsonReader> JsonReader::elements(std::size_t min_count, std::size_t max_count) const {
  const std::string expected = count_range(min_count, max_count);
  if (!value_->is_array()) fail_expected(expected);
  if (value_->size() < min_count || value_->size() > max_count) {
    fail("expected " + expected + ", got " + std::to_string(value_->size()) + " elements");
  }
  std::vector<JsonReader> out;
  out.reserve(value_->size());
  for (std::size_t i = 0; i < value_->size(); ++i) out.emplace_back((*value_)[i], json_path_index(path_, i));
  return out;
}

std::string JsonReader::string() const {
  if (!value_->is_string()) fail_expected("a string");
  const auto &text = value_->get_ref<const std::string &>();
  if (text.find('\0') != std::string::npos) fail("expected a string without NUL characters");
  return text;
}

std::string JsonReader::non_empty_string(std::size_t max_chars) const {
  const bool bounded = max_chars != std::numeric_limits<std::size_t>::max();
  const std::string expected =
      bounded ? "a non-empty string of at most " + std::to_string(max_chars) + " characters" : "a non-empty string";
  if (!value_->is_string()) fail_expected(expected);
  std::string text = string();
  if (is_blank(text)) fail_expected(expected);
  if (const std::size_t length = utf8_length(text); length > max_chars) {
    fail("expected " + expected + ", got " + std::to_string(length) + " characters");
  }
  return text;
}

bool JsonReader::boolean() const {
  if (!value_->is_boolean()) fail_expected("true or false");
  return value_->get<bool>();
}

std::int64_t JsonReader::integer(std::int64_t min, std::int64_t max) const {
  const std::string expected = "an integer between " + std::to_string(min) + " and " + std::to_string(max);
  if (value_->is_number_unsigned()) {
    const auto number = value_->get<std::uint64_t>();
    if (max < 0 || number > static_cast<std::uint64_t>(max) || (min > 0 && number < static_cast<std::uint64_t>(min))) {
      fail_expected(expected);
    }
    return static_cast<std::int64_t>(number);
  }
  if (!value_->is_number_integer()) fail_expected(expected);
  const auto number = value_->get<std::int64_t>();
  if (number < min || number > max) fail_expected(expected);
  return number;
}

std::string JsonReader::one_of(const std::vector<std::string> &choices) const {
  const std::string expected = "one of " + quoted_list(choices);
  if (!value_->is_string()) fail_expected(expected);
  const auto &text = value_->get_ref<const std::string &>();
  if (std::find(choices.begin(), choices.end(), text) != choices.end()) return text;
  std::string problem = "expected " + expected;
  if (const auto suggestion = closest_match(text, choices))
    problem += " (did you mean " + quote_for_message(*suggestion) + "?)";
  fail(problem);
}

std::string JsonReader::compact_text() const { return value_->dump(); }

} // namespace hodei::job
