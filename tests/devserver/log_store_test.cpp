// LogStore: offset-addressed, idempotent appends; committed offsets survive a reopen.
#include "devserver/core/log_store.hpp"
#include "server_fixture.hpp"

#include <catch2/catch.hpp>

using namespace hodei::devserver;
using hodei::devserver::test::TempDir;

TEST_CASE("LogStore appends by offset, skips committed bytes and refuses gaps", "[devserver][unit][logstore]") {
  TempDir dir;
  const auto sync = GENERATE(LogSync::fsync, LogSync::os);
  LogStore store(dir.path(), sync);
  CHECK(store.committed("j", LogStream::out) == 0);

  AppendResult r = store.append("j", LogStream::out, 0, "abc");
  CHECK(r.committed == 3);
  CHECK(r.appended == 3);
  CHECK_FALSE(r.gap);

  r = store.append("j", LogStream::out, 1, "bcdef"); // overlap of 2
  CHECK(r.committed == 6);
  CHECK(r.appended == 3);
  CHECK(r.duplicate_bytes == 2);
  CHECK_FALSE(r.mismatch);

  r = store.append("j", LogStream::out, 0, "abc"); // all old
  CHECK(r.committed == 6);
  CHECK(r.appended == 0);
  CHECK(r.duplicate_bytes == 3);

  r = store.append("j", LogStream::out, 4, "XY"); // old but different
  CHECK(r.mismatch);
  CHECK(r.committed == 6);

  r = store.append("j", LogStream::out, 7, "gap");
  CHECK(r.gap);
  CHECK(r.committed == 6);
  CHECK(r.appended == 0);

  r = store.append("j", LogStream::out, 6, ""); // empty at the end: nothing to do
  CHECK(r.committed == 6);

  CHECK(store.read("j", LogStream::out, 0, 100) == "abcdef");
  CHECK(store.read("j", LogStream::out, 2, 2) == "cd");
  CHECK(store.read("j", LogStream::out, 6, 10).empty());
  CHECK(store.committed("j", LogStream::err) == 0); // streams are independent

  // A new store over the same folder (a restart) derives the committed offset from the file.
  store.release("j");
  LogStore reopened(dir.path(), sync);
  CHECK(reopened.committed("j", LogStream::out) == 6);
  CHECK(reopened.append("j", LogStream::out, 6, "g").committed == 7);
  CHECK(reopened.read("j", LogStream::out, 0, 100) == "abcdefg");
}
