// parse_json_document: comments, syntax error positions, duplicate keys, size and depth limits.
#include "job/json_document.hpp"

#include <catch2/catch.hpp>
#include <string>

using hodei::job::JsonLimits;
using hodei::job::JsonReadError;
using hodei::job::parse_json_document;
using hodei::job::text_position;
using hodei::job::TextPosition;

namespace {

JsonReadError document_error(const std::string &text, const JsonLimits &limits = {}) {
  try {
    (void)parse_json_document(text, limits);
  } catch (const JsonReadError &error) {
    return error;
  }
  FAIL("expected a JsonReadError for: " << text);
  return JsonReadError("", "");
}

} // namespace

TEST_CASE("line and block comments are ignored", "[job][json]") {
  const auto document = parse_json_document("// head\n{ /* a */ \"a\": 1, // b\n \"b\": [1, /* c */ 2] }\n// tail");
  CHECK(document == nlohmann::json{{"a", 1}, {"b", {1, 2}}});
}

TEST_CASE("a syntax error carries the line and column of the offending character", "[job][json]") {
  const auto error = document_error("{\n  \"a\": 1,\n  \"b\": tru\n}");
  REQUIRE(error.position());
  CHECK(*error.position() == TextPosition{3, 11});
  CHECK(error.path() == "$");
  CHECK_THAT(error.problem(), Catch::Matchers::StartsWith("invalid JSON: syntax error while parsing value"));
  CHECK_THAT(error.what(), Catch::Matchers::StartsWith("3:11: invalid JSON"));
}

TEST_CASE("a misplaced token is reported at its first character", "[job][json]") {
  const auto string_token = document_error("{\"a\": 1,\n \"b\" \"x\\\"y\"}");
  REQUIRE(string_token.position());
  CHECK(*string_token.position() == TextPosition{2, 6});
  CHECK_THAT(string_token.problem(), Catch::Matchers::Contains("unexpected string literal; expected ':'"));
  const auto number_token = document_error("[1 -23.5e1]");
  REQUIRE(number_token.position());
  CHECK(*number_token.position() == TextPosition{1, 4});
}

TEST_CASE("a trailing comma is reported where the parser stops", "[job][json]") {
  const auto error = document_error("{\"a\": 1,\n}");
  REQUIRE(error.position());
  CHECK(*error.position() == TextPosition{2, 1});
  CHECK_THAT(error.problem(), Catch::Matchers::Contains("expected string literal"));
}

TEST_CASE("an unterminated document is reported at its end", "[job][json]") {
  const auto error = document_error("{\"a\": [1, 2");
  REQUIRE(error.position());
  CHECK(*error.position() == TextPosition{1, 12});
  CHECK_THAT(error.problem(), Catch::Matchers::Contains("unexpected end of input"));
  const auto empty = document_error("");
  REQUIRE(empty.position());
  CHECK(*empty.position() == TextPosition{1, 1});
}

TEST_CASE("a syntax error does not quote the input", "[job][json]") {
  const auto error = document_error(R"({"token": "hunter2\q"})");
  CHECK_THAT(error.what(), Catch::Matchers::Contains("forbidden character after backslash"));
  CHECK_THAT(error.what(), !Catch::Matchers::Contains("hunter2"));
  CHECK_THAT(error.what(), !Catch::Matchers::Contains("last read"));
}

TEST_CASE("text_position counts characters, not bytes, and skips a byte-order mark", "[job][json]") {
  CHECK(text_position("ab\ncd", 0) == TextPosition{1, 1});
  CHECK(text_position("ab\ncd", 3) == TextPosition{2, 1});
  CHECK(text_position("ab\ncd", 4) == TextPosition{2, 2});
  CHECK(text_position("ab\ncd", 99) == TextPosition{2, 3});
  CHECK(text_position("\xC3\xA9\xC3\xA9x", 4) == TextPosition{1, 3});
  CHECK(text_position("\xEF\xBB\xBFx", 3) == TextPosition{1, 1});
}

TEST_CASE("a duplicate key is refused with the path of the repeated key", "[job][json]") {
  CHECK(document_error(R"({"a": 1, "a": 2})").path() == "$.a");
  const auto nested = document_error(R"({"list": [{"x": 1}, {"y": 1, "z": {"k": 1, "k": 2}}]})");
  CHECK(nested.path() == "$.list[1].z.k");
  CHECK(nested.problem() == "duplicate key 'k'");
  CHECK_FALSE(nested.position());
}

TEST_CASE("equal keys in different objects are not duplicates", "[job][json]") {
  CHECK_NOTHROW(parse_json_document(R"({"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 1}, {"k": 2}]})"));
}

TEST_CASE("input larger than the byte limit is refused before parsing", "[job][json]") {
  const auto error = document_error("[1, 2, 3]", JsonLimits{.max_bytes = 8, .max_depth = 64});
  CHECK(error.path() == "$");
  CHECK(error.problem() == "input too large: 9 bytes, the limit is 8 bytes");
  CHECK_NOTHROW(parse_json_document("[1, 2,3]", JsonLimits{.max_bytes = 8, .max_depth = 64}));
}

TEST_CASE("nesting deeper than the depth limit is refused at the container that is too deep", "[job][json]") {
  const JsonLimits limits{.max_bytes = 1024, .max_depth = 3};
  CHECK_NOTHROW(parse_json_document(R"({"a": [{"b": 1}]})", limits));
  const auto error = document_error(R"({"a": [{"b": [1]}]})", limits);
  CHECK(error.path() == "$.a[0].b");
  CHECK(error.problem() == "nested deeper than the limit of 3 levels of objects and arrays");
}

TEST_CASE("a very deep document is refused without exhausting the stack", "[job][json]") {
  const std::string deep(1'000'000, '[');
  CHECK_THAT(document_error(deep).problem(), Catch::Matchers::StartsWith("nested deeper than the limit of 64"));
}

TEST_CASE("a number too large for a double is refused with its path", "[job][json]") {
  const auto error = document_error(R"({"a": [1, 1e400]})");
  CHECK(error.path() == "$.a[1]");
  CHECK_THAT(error.problem(), Catch::Matchers::Contains("number overflow"));
}
