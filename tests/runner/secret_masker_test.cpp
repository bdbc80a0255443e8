#include "runner/secret_masker.hpp"

#include <catch2/catch.hpp>
#include <random>

using hodei::runner::SecretMasker;

namespace {
// Feeds `text` in chunks of `size` bytes and returns the whole masked output.
std::string mask_in_chunks(SecretMasker &m, const std::string &text, size_t size) {
  std::string out;
  for (size_t i = 0; i < text.size(); i += size) out += m.process(std::string_view(text).substr(i, size));
  return out + m.flush();
}
} // namespace

TEST_CASE("a secret is replaced by stars") {
  SecretMasker m({"hunter2"});
  CHECK(m.process("password=hunter2 ok\n") + m.flush() == "password=*** ok\n");
}

TEST_CASE("a secret split across every possible chunk boundary is still masked") {
  const std::string text = "abc s3cr3t-value def s3cr3t-value";
  for (size_t size = 1; size <= text.size(); ++size) {
    SecretMasker m({"s3cr3t-value"});
    INFO("chunk size " << size);
    CHECK(mask_in_chunks(m, text, size) == "abc *** def ***");
  }
}

TEST_CASE("output that cannot be the start of a secret is not held back") {
  SecretMasker m({"topsecret"});
  CHECK(m.process("hello world\n") == "hello world\n");
  CHECK(m.process("ends with top") == "ends with ");
  CHECK(m.process("ping\n") == "topping\n");
}

TEST_CASE("base64 and URL-encoded forms of a secret are masked") {
  const std::string secret = "p@ss word/1";
  SecretMasker m({secret});
  const std::string b64 = hodei::runner::base64_encode(secret);
  const std::string url = hodei::runner::url_encode(secret);
  CHECK(url == "p%40ss%20word%2F1");
  CHECK(b64 == "cEBzcyB3b3JkLzE=");
  CHECK(mask_in_chunks(m, "a " + b64 + " b " + url + " c", 3) == "a *** b *** c");
}

TEST_CASE("the longest of overlapping secrets wins") {
  SecretMasker m({"abc", "abcdef"});
  CHECK(mask_in_chunks(m, "xabcdefx abcx", 2) == "x***x ***x");
}

TEST_CASE("no secrets means output passes through unchanged") {
  SecretMasker m({});
  CHECK(m.empty());
  CHECK(m.process("anything") == "anything");
  CHECK(m.flush().empty());
}

TEST_CASE("masking random chunkings gives the same result as masking the whole text") {
  std::mt19937 rng(42);
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += (rng() % 7 == 0) ? "TOKEN-123" : std::string(1, static_cast<char>('a' + rng() % 3));
  SecretMasker whole({"TOKEN-123"});
  const std::string expected = mask_in_chunks(whole, text, text.size());
  CHECK(expected.find("TOKEN") == std::string::npos);
  for (int round = 0; round < 50; ++round) {
    SecretMasker m({"TOKEN-123"});
    std::string out;
    for (size_t i = 0; i < text.size();) {
      const size_t n = 1 + rng() % 20;
      out += m.process(std::string_view(text).substr(i, n));
      i += n;
    }
    out += m.flush();
    REQUIRE(out == expected);
  }
}
