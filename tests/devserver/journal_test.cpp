// The state journal: group commit, replay after a restart, torn tails, damage, compaction and its crash states;
// LogStore's synced offset and the control plane's LogAcks never ahead of it.
#include "devserver/core/atomic_file.hpp"
#include "devserver/core/control_plane.hpp"
#include "devserver/core/journal.hpp"
#include "devserver/core/journal_format.hpp"
#include "devserver/core/record_json.hpp"
#include "server_fixture.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <string>
#include <thread>

using namespace hodei::devserver;
using hodei::devserver::test::TempDir;
namespace fs = std::filesystem;

namespace {

using Records = std::map<std::string, std::string>;

JournalOptions options(const fs::path &dir, uint64_t compact_after_bytes = JournalOptions{}.compact_after_bytes) {
  JournalOptions options;
  options.dir = dir;
  options.compact_after_bytes = compact_after_bytes;
  return options;
}

Records load(const fs::path &dir) {
  const Journal journal(options(dir));
  return journal.loaded();
}

void write_file(const fs::path &path, const std::string &content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

void append_file(const fs::path &path, const std::string &content) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << content;
}

std::string lines(const std::vector<std::pair<std::string, std::string>> &records) {
  std::string out;
  for (const auto &[key, value] : records) out += encode_record(key, value);
  return out;
}

} // namespace

TEST_CASE("journal records carry a length and CRC-32", "[devserver][unit][journal]") {
  CHECK(crc32("123456789") == 0xCBF43926U); // the standard check value
  const std::string line = encode_record("job:a", R"({"x":1})");
  CHECK(line == "0000000d " + std::string("") + line.substr(9, 8) + R"( job:a {"x":1})" + "\n");
  const ScanResult scanned = scan_records(line + line, "f", false);
  REQUIRE(scanned.records.size() == 2);
  CHECK(scanned.records[1].key == "job:a");
  CHECK(scanned.records[1].value == R"({"x":1})");
  CHECK(scanned.valid_bytes == 2 * line.size());
}

TEST_CASE("the journal replays after a restart: the last record of a key wins", "[devserver][unit][journal]") {
  TempDir dir;
  {
    Journal journal(options(dir.path()));
    CHECK(journal.loaded().empty());
    journal.append("job:a", "1");
    journal.append("job:b", "1");
    const uint64_t seq = journal.append("job:a", "2");
    CHECK(journal.wait_durable(seq));
    CHECK(journal.durable() >= seq);
    journal.append("job:c", "queued only"); // the destructor commits what is queued
  }
  CHECK(load(dir.path()) == Records{{"job:a", "2"}, {"job:b", "1"}, {"job:c", "queued only"}});
  CHECK(load(dir.path()) == Records{{"job:a", "2"}, {"job:b", "1"}, {"job:c", "queued only"}}); // and again
}

TEST_CASE("the journal commits many concurrent appends in groups", "[devserver][unit][journal]") {
  TempDir dir;
  {
    Journal journal(options(dir.path()));
    std::vector<std::thread> threads;
    threads.reserve(4);
    std::atomic<int> not_durable{0}; // Catch assertions are not thread-safe: count here, check after the join
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&journal, &not_durable, t] {
        for (int i = 0; i < 200; ++i) {
          const uint64_t seq = journal.append("k:" + std::to_string(t), std::to_string(i));
          if (i % 50 == 0 && !journal.wait_durable(seq)) not_durable += 1;
        }
      });
    }
    for (std::thread &thread : threads) thread.join();
    CHECK(not_durable == 0);
    CHECK(journal.wait_durable(journal.last_queued()));
  }
  CHECK(load(dir.path()) == Records{{"k:0", "199"}, {"k:1", "199"}, {"k:2", "199"}, {"k:3", "199"}});
}

TEST_CASE("a torn last journal record is dropped, the records before it kept", "[devserver][unit][journal]") {
  TempDir dir;
  uint64_t generation = 0;
  {
    Journal journal(options(dir.path()));
    journal.append("job:a", "1");
    journal.wait_durable(journal.append("job:b", "1"));
    generation = journal.generation();
  }
  const fs::path file = Journal::journal_path(dir.path(), generation);
  const std::string torn = encode_record("job:a", "2-never-acknowledged");
  const std::string tail = GENERATE_COPY(torn.substr(0, 5),                          // inside the header
                                         torn.substr(0, torn.size() - 3),            // inside the payload
                                         torn.substr(0, torn.size() - 1),            // the newline missing
                                         std::string(40, '\0'),                      // zeros: size but no data
                                         torn.substr(0, 20) + std::string(20, 'x')); // garbage to the end
  INFO("tail: " << tail);
  append_file(file, tail);
  CHECK(load(dir.path()) == Records{{"job:a", "1"}, {"job:b", "1"}});
  // The next start wrote a new generation: appends never follow the torn bytes.
  {
    Journal journal(options(dir.path()));
    journal.append("job:a", "3");
  }
  CHECK(load(dir.path()) == Records{{"job:a", "3"}, {"job:b", "1"}});
}

TEST_CASE("damage before the end of a journal refuses the load, naming the file and byte offset",
          "[devserver][unit][journal]") {
  TempDir dir;
  const std::string first = encode_record("job:a", "1");
  std::string second = encode_record("job:b", "22");
  const std::string third = encode_record("job:c", "3");
  const fs::path file = Journal::journal_path(dir.path(), 1);
  fs::create_directories(dir.path());
  SECTION("a flipped byte") { second[second.size() - 2] = '9'; }
  SECTION("a broken header") { second[3] = 'z'; }
  SECTION("a wrong length") { second[7] = static_cast<char>(second[7] + 1); }
  write_file(file, first + second + third);
  CHECK_THROWS_AS(load(dir.path()), RecordFormatError);
  CHECK_THROWS_WITH(load(dir.path()),
                    Catch::Contains(file.string()) && Catch::Contains("byte offset " + std::to_string(first.size())));
  CHECK(fs::exists(file)); // nothing was removed or rewritten
}

TEST_CASE("a torn record is damage in a snapshot or an older journal", "[devserver][unit][journal]") {
  TempDir dir;
  fs::create_directories(dir.path());
  const std::string torn = encode_record("job:a", "1").substr(0, 10);
  SECTION("snapshot") {
    write_file(Journal::snapshot_path(dir.path(), 1), lines({{"job:a", "0"}}) + torn);
    write_file(Journal::journal_path(dir.path(), 1), "");
    CHECK_THROWS_WITH(load(dir.path()), Catch::Contains("snapshot-1.records"));
  }
  SECTION("journal of an older generation") {
    write_file(Journal::journal_path(dir.path(), 1), lines({{"job:a", "0"}}) + torn);
    write_file(Journal::journal_path(dir.path(), 2), lines({{"job:a", "2"}}));
    CHECK_THROWS_WITH(load(dir.path()), Catch::Contains("journal-1.records"));
  }
}

TEST_CASE("every intermediate state of a compaction loads to the same records", "[devserver][unit][journal]") {
  // Generation 1 -> 2 at run time: journal-2 gets the batch first (acknowledged), then snapshot-2 is written
  // (temp file, rename), then generation 1's files are removed. The state after the batch: a=2, b=2, c=1.
  TempDir dir;
  fs::create_directories(dir.path());
  const fs::path &d = dir.path();
  const Records expected{{"job:a", "2"}, {"job:b", "2"}, {"job:c", "1"}};
  write_file(Journal::snapshot_path(d, 1), lines({{"job:a", "0"}, {"job:b", "0"}}));
  write_file(Journal::journal_path(d, 1), lines({{"job:a", "1"}, {"job:b", "1"}, {"job:a", "2"}}));
  SECTION("before journal-2 exists") {
    append_file(Journal::journal_path(d, 1), lines({{"job:b", "2"}, {"job:c", "1"}}));
    CHECK(load(d) == expected);
  }
  SECTION("journal-2 written, no snapshot-2 yet") {
    write_file(Journal::journal_path(d, 2), lines({{"job:b", "2"}, {"job:c", "1"}}));
    CHECK(load(d) == expected);
  }
  SECTION("journal-2 written, snapshot-2 half written in its temp file") {
    write_file(Journal::journal_path(d, 2), lines({{"job:b", "2"}, {"job:c", "1"}}));
    write_file(d / "snapshot-2.records.tmp", lines({{"job:a", "2"}}).substr(0, 7));
    CHECK(load(d) == expected);
  }
  SECTION("snapshot-2 renamed, generation 1 not removed yet") {
    write_file(Journal::journal_path(d, 2), lines({{"job:b", "2"}, {"job:c", "1"}}));
    write_file(Journal::snapshot_path(d, 2), lines({{"job:a", "2"}, {"job:b", "2"}, {"job:c", "1"}}));
    // journal-1 must not be replayed over snapshot-2 (it would bring back b=1).
    write_file(Journal::journal_path(d, 1), lines({{"job:a", "1"}, {"job:b", "1"}}));
    CHECK(load(d) == expected);
  }
  SECTION("snapshot-2 renamed, snapshot-1 removed, journal-1 not yet") {
    write_file(Journal::journal_path(d, 2), lines({{"job:b", "2"}, {"job:c", "1"}}));
    write_file(Journal::snapshot_path(d, 2), lines({{"job:a", "2"}, {"job:b", "2"}, {"job:c", "1"}}));
    fs::remove(Journal::snapshot_path(d, 1));
    CHECK(load(d) == expected);
  }
  SECTION("a start's snapshot renamed before its empty journal was created") {
    write_file(Journal::snapshot_path(d, 2), lines({{"job:a", "2"}, {"job:b", "2"}, {"job:c", "1"}}));
    CHECK(load(d) == expected);
  }
  // Whatever the state, the start compacted into one snapshot and an empty journal of a newer generation.
  std::vector<std::string> names;
  for (const auto &entry : fs::directory_iterator(d)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  REQUIRE(names.size() == 2);
  CHECK(names[0].substr(0, 8) == "journal-");
  CHECK(names[0].substr(8) == names[1].substr(9)); // the same generation
  CHECK(names[1].substr(0, 9) == "snapshot-");
  CHECK(names[1] != "snapshot-1.records");
}

TEST_CASE("the journal compacts past its size limit and loses nothing", "[devserver][unit][journal]") {
  TempDir dir;
  uint64_t generation_at_start = 0;
  {
    Journal journal(options(dir.path(), 4096));
    generation_at_start = journal.generation();
    for (int i = 0; i < 400; ++i) {
      const uint64_t seq = journal.append("job:" + std::to_string(i % 40), std::string(50, 'x') + std::to_string(i));
      if (i % 7 == 0) journal.wait_durable(seq); // several batches
    }
    journal.wait_durable(journal.last_queued());
    CHECK(journal.generation() > generation_at_start);
  }
  Records expected;
  for (int i = 360; i < 400; ++i) expected["job:" + std::to_string(i % 40)] = std::string(50, 'x') + std::to_string(i);
  CHECK(load(dir.path()) == expected);
}

TEST_CASE("LogStore appends without waiting for the disk, synced() follows sync_dirty()",
          "[devserver][unit][logstore]") {
  TempDir dir;
  LogStore store(dir.path(), LogSync::fsync);
  CHECK(store.append("j", LogStream::out, 0, "abcdef").committed == 6);
  CHECK(store.synced("j", LogStream::out) == 0); // written, not fdatasync'ed yet
  store.sync_dirty();
  CHECK(store.synced("j", LogStream::out) == 6);
  store.append("j", LogStream::out, 6, "gh");
  CHECK(store.synced("j", LogStream::out) == 6);
  store.sync_dirty();
  CHECK(store.synced("j", LogStream::out) == 8);
  store.sync_dirty(); // nothing dirty: nothing changes
  CHECK(store.synced("j", LogStream::out) == 8);

  LogStore os(dir.path() / "os", LogSync::os);
  os.append("j", LogStream::out, 0, "abc");
  CHECK(os.synced("j", LogStream::out) == 3); // nothing to wait for: acknowledged after write(2)
}

namespace {

constexpr const char *kTrueJob = R"({"name": "j", "executor": "shell", "steps": [{"run": "true"}]})";

ControlPlaneOptions plane_options(const fs::path &dir) {
  ControlPlaneOptions options;
  options.data_dir = dir;
  options.log_sync = LogSync::fsync;
  options.server_version = "test";
  return options;
}

// A registered worker with an open, resumed stream and one credit.
struct ConnectedWorker {
  std::shared_ptr<Outbox> outbox = std::make_shared<Outbox>();
  StreamId stream = 0;

  explicit ConnectedWorker(ControlPlane &control_plane) {
    WorkerRegistration registration;
    registration.name = "w";
    registration.protocol_versions = {1};
    registration.features = {"resume", "log-acks"};
    registration.capacity = 1;
    registration.executors.push_back(PluginRecord{"dev.hodei.executor.shell", "shell", "1.0.0", 0, {}, "{}", "1.0"});
    const auto registered = std::get<RegisterAccepted>(control_plane.register_worker(registration));
    stream = std::get<StreamId>(control_plane.open_stream(registered.worker_id, registered.session_id, outbox, [] {}));
    control_plane.on_resume(stream, {});
    control_plane.on_credits(stream, 1, 0);
  }

  template <typename Event> Event next() {
    while (auto event = outbox->pop()) {
      if (auto *wanted = std::get_if<Event>(&*event)) return std::move(*wanted);
    }
    throw std::runtime_error("the outbox closed");
  }
};

} // namespace

TEST_CASE("a restarted control plane has the jobs, results and epochs it acknowledged", "[devserver][unit][journal]") {
  TempDir dir;
  std::string done;
  std::string waiting;
  JobResult result;
  result.outcome = Outcome::succeeded;
  result.exit_code = 0;
  result.message = "fine";
  result.finished_unix_ms = 1234;
  {
    ControlPlane control_plane(plane_options(dir.path()));
    ConnectedWorker worker(control_plane);
    done = control_plane.submit(kTrueJob, {});
    const Lease lease = worker.next<AssignmentOut>().lease;
    REQUIRE(lease == Lease{done, 1});
    control_plane.on_accept(worker.stream, lease, 0);
    control_plane.on_finished(worker.stream, FinishedIn{lease, result});
    CHECK(worker.next<ResultAckOut>().lease == lease);          // left the outbox: durable
    waiting = control_plane.submit(kTrueJob, {{"gpu", "yes"}}); // no worker fits: stays queued
    control_plane.close_stream(worker.stream);
  }
  const ControlPlane restarted(plane_options(dir.path()));
  const auto finished = restarted.get_job(done);
  REQUIRE(finished);
  CHECK(finished->state == JobState::succeeded);
  CHECK(finished->lease_epoch == 1);
  REQUIRE(finished->result);
  CHECK(*finished->result == result);
  CHECK(finished->history.size() == 4); // queued, assigned, accepted, succeeded
  const auto queued = restarted.get_job(waiting);
  REQUIRE(queued);
  CHECK(queued->state == JobState::queued);
  CHECK(queued->selector == std::map<std::string, std::string>{{"gpu", "yes"}});
  CHECK(restarted.list_workers().size() == 1);
}

TEST_CASE("no LogAck acknowledges log bytes before they are fdatasync'ed", "[devserver][unit][logstore]") {
  TempDir dir;
  ControlPlane control_plane(plane_options(dir.path()));
  ConnectedWorker worker(control_plane);
  const std::string job = control_plane.submit(kTrueJob, {});
  const Lease lease = worker.next<AssignmentOut>().lease;
  REQUIRE(lease.job_id == job);
  const StreamId stream = worker.stream;
  const std::shared_ptr<Outbox> &outbox = worker.outbox;
  control_plane.on_accept(stream, lease, 0);
  constexpr int kChunks = 200;
  const std::string chunk(4096, 'l');
  std::thread reader([&] { // the stream's reader: appends without waiting for acks
    for (int i = 0; i < kChunks; ++i) {
      control_plane.on_log(stream, LogChunkIn{lease, LogStream::out, uint64_t(i) * chunk.size(), chunk});
    }
  });
  uint64_t last_ack = 0;
  int acks = 0;
  bool stream_ended = false;
  while (last_ack < kChunks * chunk.size()) {
    auto event = outbox->pop();
    if (!event) { // checked after the join: a failed REQUIRE here would leave the reader thread unjoined
      stream_ended = true;
      break;
    }
    if (const auto *ack = std::get_if<LogAckOut>(&*event)) {
      CHECK(ack->committed_offset <= control_plane.log_synced(job, LogStream::out));
      last_ack = std::max(last_ack, ack->committed_offset);
      ++acks;
    }
  }
  reader.join();
  REQUIRE_FALSE(stream_ended);
  CHECK(acks == kChunks);
  CHECK(control_plane.log_committed(job, LogStream::out) == kChunks * chunk.size());
  control_plane.close_stream(stream);
}
