#include "journal/log_journal.hpp"
#include "temp_dir.hpp"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

using hodei::journal::SpoolBudget;
using hodei::journal::StreamJournal;

namespace {

std::vector<uint8_t> pattern(uint64_t from, size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>((from + i) * 131 % 251);
  return v;
}

// Reads everything from `offset` to the end.
std::vector<uint8_t> read_rest(const StreamJournal &j, uint64_t offset) {
  std::string out;
  while (out.size() < j.end_offset() - offset) j.append_to(offset + out.size(), 7777, out);
  return {out.begin(), out.end()};
}

} // namespace

TEST_CASE("journal keeps bytes in memory within its budget and spills the rest to disk, byte-exact") {
  SpoolBudget budget(1 << 30);
  const hodei::test::TempDir spool("hodei-journal-test");
  StreamJournal j(spool.path(), uint64_t{64} * 1024, budget, nullptr);
  uint64_t written = 0;
  for (size_t n : {1000, 60000, 10000, 200000, 3}) {
    j.append(pattern(written, n));
    written += n;
  }
  CHECK(j.end_offset() == written);
  CHECK(j.memory_bytes() <= uint64_t{64} * 1024);
  CHECK(j.spooled_bytes() > 0);
  CHECK(budget.used() == j.spooled_bytes());
  CHECK(read_rest(j, 0) == pattern(0, written));
  CHECK(read_rest(j, 12345) == pattern(12345, written - 12345));
}

TEST_CASE("journal commit frees memory and spool, and the spool quota is returned") {
  SpoolBudget budget(1 << 30);
  const hodei::test::TempDir spool("hodei-journal-test");
  StreamJournal j(spool.path(), 4096, budget, nullptr);
  j.append(pattern(0, 100000));
  const uint64_t spooled = budget.used();
  REQUIRE(spooled > 0);
  CHECK(budget.reserved_total() == spooled);
  j.commit(50000);
  CHECK(j.committed_offset() == 50000);
  CHECK(read_rest(j, 50000) == pattern(50000, 50000));
  std::string none;
  CHECK_THROWS_AS(j.append_to(10, 0, none), std::out_of_range);
  j.commit(100000);
  CHECK(j.memory_bytes() == 0);
  CHECK(j.spooled_bytes() == 0);
  CHECK(budget.used() == 0);
  CHECK(budget.reserved_total() == spooled); // cumulative (metrics): freeing never lowers it
  j.commit(10);                              // an old ack is ignored
  CHECK(j.committed_offset() == 100000);
  // After the spool drained the stream goes on at the right offsets.
  j.append(pattern(100000, 9000));
  CHECK(read_rest(j, 100000) == pattern(100000, 9000));
}

TEST_CASE("journal append blocks at the spool quota until an ack frees space, losing nothing") {
  SpoolBudget budget(uint64_t{64} * 1024);
  const hodei::test::TempDir spool("hodei-journal-test");
  StreamJournal j(spool.path(), uint64_t{16} * 1024, budget, nullptr);
  constexpr size_t total = 1 << 20;
  std::atomic<uint64_t> appended{0};
  std::thread writer([&] {
    for (uint64_t at = 0; at < total; at += 8192) {
      j.append(pattern(at, 8192));
      appended = at + 8192;
    }
  });
  // The writer stops well short of the end while nothing is acknowledged.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(appended.load() < total);
  CHECK(budget.used() <= uint64_t{64} * 1024);
  // A reader that acknowledges what it read lets the writer finish; every byte arrives in order.
  std::vector<uint8_t> received;
  uint64_t offset = 0;
  std::string buf;
  while (offset < total) {
    buf.clear();
    const size_t n = j.append_to(offset, 10000, buf);
    received.insert(received.end(), buf.begin(), buf.end());
    offset += n;
    j.commit(offset);
    if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  writer.join();
  CHECK(budget.waits() > 0);
  CHECK(received == pattern(0, total));
  CHECK(budget.used() == 0);
}

TEST_CASE("journal release_backpressure lets a blocked append through over the quota") {
  SpoolBudget budget(8192);
  const hodei::test::TempDir spool("hodei-journal-test");
  StreamJournal j(spool.path(), 0, budget, nullptr);
  j.append(pattern(0, 8192));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    j.append(pattern(8192, 4096));
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK_FALSE(done.load());
  j.release_backpressure();
  writer.join();
  CHECK(done.load());
  CHECK(read_rest(j, 0) == pattern(0, 8192 + 4096));
}

TEST_CASE("journal notifies on new data") {
  SpoolBudget budget(1 << 20);
  int calls = 0;
  const hodei::test::TempDir spool("hodei-journal-test");
  StreamJournal j(spool.path(), 1024, budget, [&] { ++calls; });
  j.append(pattern(0, 10));
  j.append(pattern(10, 5000));
  CHECK(calls == 2);
}

TEST_CASE("journal survives random appends, reads and acks") {
  SpoolBudget budget(1 << 20);
  const hodei::test::TempDir spool("hodei-journal-test");
  StreamJournal j(spool.path(), 3000, budget, nullptr);
  std::mt19937 rng(7);
  uint64_t end = 0;
  for (int i = 0; i < 500; ++i) {
    const size_t n = rng() % 5000;
    j.append(pattern(end, n));
    end += n;
    const uint64_t c = j.committed_offset();
    if (rng() % 3 == 0) j.commit(c + (end - c) * (rng() % 100) / 100);
    const uint64_t from = j.committed_offset() + (end - j.committed_offset()) * (rng() % 100) / 100;
    REQUIRE(read_rest(j, from) == pattern(from, end - from));
  }
}

TEST_CASE("journal append_to adds the bytes after what the string holds, from memory and spool pieces") {
  SpoolBudget budget(1 << 30);
  const hodei::test::TempDir spool("hodei-journal-test");
  StreamJournal j(spool.path(), uint64_t{64} * 1024, budget, nullptr);
  uint64_t written = 0;
  for (size_t n : {1000, 60000, 10000, 200000, 3}) { // memory first, then spool pieces
    j.append(pattern(written, n));
    written += n;
  }
  REQUIRE(j.spooled_bytes() > 0);
  std::string out = "head";
  CHECK(j.append_to(500, 100000, out) == 100000); // crosses from memory into the spool
  const std::vector<uint8_t> expected = pattern(500, 100000);
  CHECK(out.substr(0, 4) == "head");
  CHECK(out.size() == 4 + expected.size());
  CHECK(std::equal(expected.begin(), expected.end(), reinterpret_cast<const uint8_t *>(out.data() + 4)));
  std::string tail;
  CHECK(j.append_to(written - 3, 1000, tail) == 3); // fewer at the end
  CHECK(j.append_to(written, 1000, tail) == 0);
  CHECK_THROWS_AS(j.append_to(written + 1, 1, tail), std::out_of_range);
}

TEST_CASE("journal reuses a freed memory piece for new bytes without mixing old bytes in") {
  SpoolBudget budget(1 << 20);
  const hodei::test::TempDir spool("hodei-journal-test");
  StreamJournal j(spool.path(), 4 << 20, budget, nullptr);
  uint64_t end = 0;
  for (int round = 0; round < 6; ++round) { // each round fills (at least) one piece, acks it, and starts a new one
    const size_t n = size_t{700} * 1024 + static_cast<size_t>(round) * 100000;
    j.append(pattern(end, n));
    end += n;
    std::string sent;
    CHECK(j.append_to(j.committed_offset(), n + 1, sent) == end - j.committed_offset());
    const std::vector<uint8_t> expected = pattern(j.committed_offset(), end - j.committed_offset());
    CHECK(std::equal(expected.begin(), expected.end(), reinterpret_cast<const uint8_t *>(sent.data())));
    j.commit(end);
    CHECK(j.memory_bytes() == 0);
  }
  CHECK(j.spooled_bytes() == 0);
}
