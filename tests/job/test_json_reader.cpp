// JsonReader's typed getters, paths and messages; the did-you-mean helper; path quoting.
#include "job/did_you_mean.hpp"
#include "job/json_path.hpp"
#include "job/json_reader.hpp"

#include <catch2/catch.hpp>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

using hodei::job::closest_match;
using hodei::job::edit_distance;
using hodei::job::json_path_index;
using hodei::job::json_path_member;
using hodei::job::JsonReader;
using hodei::job::JsonReadError;
using hodei::job::quote_for_message;
using Json = nlohmann::json;

namespace {

// Runs `read` and returns the "path: problem" of the JsonReadError it throws.
template <typename F> std::string error_of(F read) {
  try {
    read();
  } catch (const JsonReadError &error) {
    return error.path() + ": " + error.problem();
  }
  FAIL("expected a JsonReadError");
  return "";
}

} // namespace

TEST_CASE("member and element readers extend the path", "[job][json]") {
  const Json doc = {{"steps", {{{"run", "x"}}, {{"run", 1}}}}};
  const JsonReader root(doc);
  const auto steps = root.required("steps").elements();
  CHECK(steps[1].path() == "$.steps[1]");
  CHECK(error_of([&] { (void)steps[1].required("run").string(); }) ==
        "$.steps[1].run: expected a string, got the number 1");
}

TEST_CASE("a missing required field is reported at its own path", "[job][json]") {
  const Json doc = Json::object();
  CHECK(error_of([&] { (void)JsonReader(doc).required("name"); }) == "$.name: missing required field 'name'");
  CHECK_FALSE(JsonReader(doc).optional("name").has_value());
}

TEST_CASE("object accessors refuse non-objects", "[job][json]") {
  const Json doc = 3;
  CHECK(error_of([&] { (void)JsonReader(doc).optional("a"); }) == "$: expected an object, got the number 3");
  CHECK(error_of([&] { (void)JsonReader(doc).members(); }) == "$: expected an object, got the number 3");
}

TEST_CASE("members are listed in key order with their paths", "[job][json]") {
  const Json doc = {{"b", 1}, {"a b", 2}};
  const auto members = JsonReader(doc).members();
  REQUIRE(members.size() == 2);
  CHECK(members[0].first == "a b");
  CHECK(members[0].second.path() == "$[\"a b\"]");
  CHECK(members[1].second.path() == "$.b");
}

TEST_CASE("reject_unknown_keys names the field and suggests a near miss", "[job][json]") {
  const Json doc = {{"nmae", 1}};
  const std::vector<std::string> allowed = {"name", "run"};
  CHECK(error_of([&] { JsonReader(doc).reject_unknown_keys(allowed); }) ==
        "$.nmae: unknown field 'nmae' (did you mean 'name'?); expected one of: name, run");
  CHECK(error_of([&] { JsonReader(doc).reject_unknown_keys({}); }) ==
        "$.nmae: unknown field 'nmae'; this object takes no fields");
}

TEST_CASE("elements checks the array size", "[job][json]") {
  const Json doc = {1, 2, 3};
  CHECK(JsonReader(doc).elements(1, 3).size() == 3);
  CHECK(error_of([&] { (void)JsonReader(doc).elements(0, 2); }) ==
        "$: expected an array of at most 2 elements, got 3 elements");
  CHECK(error_of([&] { (void)JsonReader(doc).elements(4, 5); }) ==
        "$: expected an array of 4 to 5 elements, got 3 elements");
  const Json empty = Json::array();
  CHECK(error_of([&] { (void)JsonReader(empty).elements(1); }) == "$: expected a non-empty array, got 0 elements");
}

TEST_CASE("string getters check type, NUL characters, blankness and length", "[job][json]") {
  const Json text = "héllo";
  CHECK(JsonReader(text).string() == "héllo");
  CHECK(JsonReader(text).non_empty_string(5) == "héllo");
  CHECK(error_of([&] { (void)JsonReader(text).non_empty_string(4); }) ==
        "$: expected a non-empty string of at most 4 characters, got 5 characters");
  const Json blank = " \t";
  CHECK(JsonReader(blank).string() == " \t");
  CHECK(error_of([&] { (void)JsonReader(blank).non_empty_string(); }) ==
        "$: expected a non-empty string, got a blank string");
  const Json nul = std::string("a\0b", 3);
  CHECK(error_of([&] { (void)JsonReader(nul).string(); }) == "$: expected a string without NUL characters");
  const Json null = nullptr;
  CHECK(error_of([&] { (void)JsonReader(null).string(); }) == "$: expected a string, got null");
}

TEST_CASE("boolean accepts only true and false", "[job][json]") {
  const Json yes = true;
  CHECK(JsonReader(yes).boolean());
  const Json one = 1;
  CHECK(error_of([&] { (void)JsonReader(one).boolean(); }) == "$: expected true or false, got the number 1");
}

TEST_CASE("integer accepts only integers within its bounds", "[job][json]") {
  const Json ok = 7;
  CHECK(JsonReader(ok).integer(1, 10) == 7);
  const Json big = std::numeric_limits<std::uint64_t>::max();
  CHECK(error_of([&] { (void)JsonReader(big).integer(0, 10); }) ==
        "$: expected an integer between 0 and 10, got the number 18446744073709551615");
  const Json max64 = std::numeric_limits<std::int64_t>::max();
  CHECK(JsonReader(max64).integer(0, std::numeric_limits<std::int64_t>::max()) ==
        std::numeric_limits<std::int64_t>::max());
  const Json negative = -3;
  CHECK(JsonReader(negative).integer(-5, -1) == -3);
  const Json unsigned_small = std::uint64_t{3};
  CHECK(error_of([&] { (void)JsonReader(unsigned_small).integer(-5, -1); }) ==
        "$: expected an integer between -5 and -1, got the number 3");
  const Json fraction = 2.0;
  CHECK(error_of([&] { (void)JsonReader(fraction).integer(1, 10); }) ==
        "$: expected an integer between 1 and 10, got the number 2.0");
}

TEST_CASE("one_of accepts a listed choice and suggests a near miss", "[job][json]") {
  const std::vector<std::string> choices = {"always", "never"};
  const Json ok = "never";
  CHECK(JsonReader(ok).one_of(choices) == "never");
  const Json typo = "allways";
  CHECK(error_of([&] { (void)JsonReader(typo).one_of(choices); }) ==
        "$: expected one of 'always', 'never' (did you mean 'always'?)");
}

TEST_CASE("compact_text is the value as one-line JSON", "[job][json]") {
  const Json doc = {{"a", {1, 2}}, {"b", "x"}};
  CHECK(JsonReader(doc).compact_text() == R"({"a":[1,2],"b":"x"})");
}

TEST_CASE("edit distance counts a swap of adjacent characters as one edit", "[job][json]") {
  CHECK(edit_distance("steps", "steps") == 0);
  CHECK(edit_distance("stpes", "steps") == 1);
  CHECK(edit_distance("step", "steps") == 1);
  CHECK(edit_distance("sleps", "steps") == 1);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("closest_match suggests only near misses", "[job][json]") {
  const std::vector<std::string> fields = {"env", "name", "run", "steps"};
  CHECK(closest_match("stpes", fields) == "steps");
  CHECK(closest_match("nam", fields) == "name");
  CHECK_FALSE(closest_match("priority", fields));
  CHECK_FALSE(closest_match("x", fields));
  CHECK_FALSE(closest_match(std::string(100000, 'a'), fields));
}

TEST_CASE("paths quote keys that are not plain words", "[job][json]") {
  CHECK(json_path_member("$", "env") == "$.env");
  CHECK(json_path_member("$.env", "MY_VAR-2") == "$.env.MY_VAR-2");
  CHECK(json_path_member("$", "a b") == "$[\"a b\"]");
  CHECK(json_path_member("$", "1x") == "$[\"1x\"]");
  CHECK(json_path_member("$", "q\"\n") == "$[\"q\\\"\\n\"]");
  CHECK(json_path_index("$.steps", 3) == "$.steps[3]");
}

TEST_CASE("quoted text is escaped and shortened", "[job][json]") {
  CHECK(quote_for_message("abc") == "'abc'");
  CHECK(quote_for_message("it's\x1b") == "'it\\'s\\x1b'");
  CHECK(quote_for_message(std::string(100, 'a')) == "'" + std::string(64, 'a') + "...'");
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "\xC3\xA9";
  CHECK(quote_for_message(accents) == "'" + accents.substr(0, 64) + "...'");
}
