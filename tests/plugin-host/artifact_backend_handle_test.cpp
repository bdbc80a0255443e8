// ArtifactBackendHandle over the in-memory SDK backend: streaming both ways, errors, cancellation, and exceptions
// thrown by host callbacks coming back unchanged after the plugin returned.
#include "plugin_registry.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <hodei/plugin_api.h>

using namespace hodei::plugins;
using Catch::Matchers::Contains;
using hodei::test::TempPluginDir;

namespace {

struct SourceBroken : std::exception {
  const char *what() const noexcept override { return "the source file vanished"; }
};
struct DiskFull : std::exception {
  const char *what() const noexcept override { return "no space left"; }
};

// Hands out `text` in pieces of at most `chunk` bytes.
ReadFn reader(const std::string &text, size_t chunk = 5) {
  auto at = std::make_shared<size_t>(0);
  return [text, chunk, at](std::span<uint8_t> buf) {
    const size_t n = std::min({chunk, buf.size(), text.size() - *at});
    std::memcpy(buf.data(), text.data() + *at, n);
    *at += n;
    return n;
  };
}

const CancelFn kNeverCancel = [] { return false; };

struct Fixture {
  TempPluginDir dir;
  std::unique_ptr<PluginRegistry> registry;
  std::shared_ptr<ArtifactBackendHandle> store;
  Fixture() {
    dir.add("libhodei_test_memstore.so");
    registry = std::make_unique<PluginRegistry>(hodei::test::options_for(dir.path()));
    REQUIRE(registry->refusals().empty());
    store = registry->backend_for_scheme("mem");
    REQUIRE(store);
  }
};

} // namespace

TEST_CASE("put, get, stat and remove round-trip an object through the stream adapters", "[backend]") {
  const Fixture f;
  const std::string text = "The quick brown fox jumps over the lazy dog";
  const ObjectInfo put = f.store->put("mem://bucket/fox.txt", reader(text), text.size(), std::nullopt, kNeverCancel);
  CHECK(put.size == text.size());
  CHECK(put.etag == "len-43");

  std::string got;
  f.store->get(
      "mem://bucket/fox.txt", 0, std::nullopt, [&got](std::span<const uint8_t> b) { got.append(b.begin(), b.end()); },
      kNeverCancel);
  CHECK(got == text);

  std::string part;
  f.store->get("mem://bucket/fox.txt", 4, 5, [&part](std::span<const uint8_t> b) { part.append(b.begin(), b.end()); },
               {});
  CHECK(part == "quick");

  CHECK(f.store->stat("mem://bucket/fox.txt").size == text.size());
  f.store->remove("mem://bucket/fox.txt");
  CHECK_THROWS_AS(f.store->stat("mem://bucket/fox.txt"), PluginCallError);
}

TEST_CASE("a missing object is PluginCallError with HODEI_ERR_NOT_FOUND and the plugin's message", "[backend]") {
  const Fixture f;
  try {
    (void)f.store->stat("mem://nope");
    FAIL("stat found a missing object");
  } catch (const PluginCallError &e) {
    CHECK(e.status() == HODEI_ERR_NOT_FOUND);
    CHECK(std::string(e.what()) ==
          "dev.hodei.test.memstore: stat mem://nope failed with HODEI_ERR_NOT_FOUND: mem://nope: no such object");
  }
}

TEST_CASE("an exception thrown by the read callback is re-thrown unchanged after put returns", "[backend]") {
  const Fixture f;
  int calls = 0;
  const ReadFn failing = [&calls](std::span<uint8_t> buf) -> size_t {
    if (++calls == 3) throw SourceBroken();
    buf[0] = 'x';
    return 1;
  };
  CHECK_THROWS_AS(f.store->put("mem://broken", failing, std::nullopt, std::nullopt, kNeverCancel), SourceBroken);
  CHECK(calls == 3);                                               // the plugin stopped at the first error
  CHECK_THROWS_AS(f.store->stat("mem://broken"), PluginCallError); // nothing stored
}

TEST_CASE("an exception thrown by the write callback is re-thrown unchanged after get returns", "[backend]") {
  const Fixture f;
  f.store->put("mem://obj", reader("0123456789"), 10, std::nullopt, kNeverCancel);
  int calls = 0;
  const WriteFn failing = [&calls](std::span<const uint8_t>) {
    if (++calls == 2) throw DiskFull();
  };
  CHECK_THROWS_AS(f.store->get("mem://obj", 0, std::nullopt, failing, kNeverCancel), DiskFull);
  CHECK(calls == 2);
}

TEST_CASE("a cancel callback returning true stops the transfer with HODEI_ERR_CANCELLED", "[backend]") {
  const Fixture f;
  try {
    f.store->put("mem://cancelled", reader("abcdefgh"), 8, std::nullopt, [] { return true; });
    FAIL("put was not cancelled");
  } catch (const PluginCallError &e) {
    CHECK(e.status() == HODEI_ERR_CANCELLED);
    CHECK_THAT(e.what(), Contains("put mem://cancelled failed with HODEI_ERR_CANCELLED: transfer cancelled"));
  }
}

TEST_CASE("an exception thrown by the cancel callback is re-thrown unchanged", "[backend]") {
  const Fixture f;
  const CancelFn failing = []() -> bool { throw std::logic_error("cancel source broke"); };
  CHECK_THROWS_MATCHES(f.store->put("mem://x", reader("abc"), 3, std::nullopt, failing), std::logic_error,
                       Catch::Message("cancel source broke"));
}

TEST_CASE("backends are found by URI scheme, case-insensitively, unknown schemes give nullptr", "[backend]") {
  const Fixture f;
  CHECK(f.registry->backend_for_scheme("MEM") == f.store);
  CHECK(f.registry->backend_for_scheme("s3") == nullptr);
  CHECK(f.store->info().id == "dev.hodei.test.memstore");
}
