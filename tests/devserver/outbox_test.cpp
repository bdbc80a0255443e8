// Outbox: the per-stream queue of server events, its durability barrier, and pop_all() (what a ServerBatch holds).
#include "devserver/core/outbox.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace hodei::devserver;

namespace {

ServerEvent drain(const std::string &reason) { return DrainOut{reason}; }
std::string reason_of(const ServerEvent &event) { return std::get<DrainOut>(event).reason; }

} // namespace

TEST_CASE("outbox pop_all takes every queued event in order, up to the limit, after one barrier wait",
          "[devserver][outbox]") {
  Outbox outbox;
  std::vector<uint64_t> waited;
  outbox.set_barrier([&waited](uint64_t seq) {
    waited.push_back(seq);
    return true;
  });
  outbox.push(drain("a"), 3);
  outbox.push(drain("b"), 0);
  outbox.push(drain("c"), 7);
  outbox.push(drain("d"), 9);

  const std::vector<ServerEvent> first = outbox.pop_all(3);
  REQUIRE(first.size() == 3);
  CHECK(reason_of(first[0]) == "a");
  CHECK(reason_of(first[1]) == "b");
  CHECK(reason_of(first[2]) == "c");
  CHECK(waited == std::vector<uint64_t>{7}); // the largest sequence number covers the others

  const std::vector<ServerEvent> rest = outbox.pop_all(64);
  REQUIRE(rest.size() == 1);
  CHECK(reason_of(rest[0]) == "d");
  CHECK(waited == std::vector<uint64_t>{7, 9});

  outbox.close();
  CHECK(outbox.pop_all(64).empty());
}

TEST_CASE("outbox pop_all gives nothing when the barrier gives up, and pop takes one event", "[devserver][outbox]") {
  Outbox outbox;
  outbox.set_barrier([](uint64_t seq) { return seq < 5; }); // 5 and up never become durable (shutdown)
  outbox.push(drain("x"), 1);
  outbox.push(drain("y"), 2);
  const std::optional<ServerEvent> one = outbox.pop();
  REQUIRE(one);
  CHECK(reason_of(*one) == "x");
  outbox.push(drain("z"), 5);
  CHECK(outbox.pop_all(64).empty()); // y is not written either: it would overtake nothing, but the stream is over
}
