// Helpers for the job spec tests: a minimal valid spec to modify, and capturing the SpecError of a bad one.
#pragma once

#include "job/job_spec_parser.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace hodei::job::test {

// The smallest valid spec: one step, everything else defaulted.
inline nlohmann::json minimal_spec() {
  return nlohmann::json{{"name", "t"}, {"executor", "shell"}, {"steps", {{{"run", "true"}}}}};
}

inline JobSpec parse(const nlohmann::json &document, const ParseOptions &options = {}) {
  return parse_job_spec(document.dump(), options);
}

// The SpecError that parsing `text` throws; fails the test when it parses.
inline SpecError error_of_text(const std::string &text, const ParseOptions &options = {}) {
  try {
    (void)parse_job_spec(text, options);
  } catch (const SpecError &error) {
    return error;
  }
  FAIL("expected a SpecError for: " << text);
  return SpecError("", "");
}

inline SpecError error_of(const nlohmann::json &document, const ParseOptions &options = {}) {
  return error_of_text(document.dump(), options);
}

} // namespace hodei::job::test

// Asserts that `error` is at `json_path` and its message contains `text`.
#define CHECK_SPEC_ERROR(error, json_path, text)                                                                       \
  do {                                                                                                                 \
    const ::hodei::job::SpecError &spec_error_ = (error);                                                              \
    CHECK(spec_error_.path() == (json_path));                                                                          \
    CHECK_THAT(spec_error_.what(), Catch::Matchers::Contains(json_path) && Catch::Matchers::Contains(text));           \
  } while (false)
