#include "test_sink.hpp"

#include <thread>

namespace hodei::shell_test {

TestSink::TestSink(Options options) : options_(options) {
  c_.struct_size = sizeof(c_);
  c_.sink_ctx = this;
  c_.write = &on_write;
  c_.step_started = &on_step_started;
  c_.step_finished = &on_step_finished;
}

hodei_status TestSink::on_write(void *ctx, uint32_t stream, const uint8_t *data, size_t len) {
  return static_cast<TestSink *>(ctx)->write(stream, data, len);
}

void TestSink::on_step_started(void *ctx, uint32_t index) {
  auto *self = static_cast<TestSink *>(ctx);
  std::lock_guard lock(self->mutex_);
  if (self->closed_) self->violation("step_started after destroy");
  if (self->in_step_) self->violation("step_started(" + std::to_string(index) + ") inside another step");
  if (!self->started_.empty() && index <= self->started_.back())
    self->violation("step_started(" + std::to_string(index) + ") out of order");
  self->started_.push_back(index);
  self->in_step_ = true;
}

void TestSink::on_step_finished(void *ctx, const hodei_step_result *result) {
  auto *self = static_cast<TestSink *>(ctx);
  std::lock_guard lock(self->mutex_);
  if (self->closed_) self->violation("step_finished after destroy");
  if (!self->in_step_ || self->started_.empty() || self->started_.back() != result->step_index)
    self->violation("step_finished(" + std::to_string(result->step_index) + ") without its step_started");
  if (result->struct_size != sizeof(hodei_step_result)) self->violation("step_finished: bad struct_size");
  self->finished_.push_back(*result);
  self->in_step_ = false;
  self->cv_.notify_all();
}

TestSink::StreamState *TestSink::state(uint32_t stream) {
  if (stream == HODEI_STREAM_STDOUT) return &out_;
  if (stream == HODEI_STREAM_STDERR) return &err_;
  return nullptr;
}

hodei_status TestSink::write(uint32_t stream, const uint8_t *data, size_t len) {
  StreamState *s = state(stream);
  int64_t call = 0;
  {
    std::lock_guard lock(mutex_);
    if (s == nullptr) {
      violation("write to unknown stream " + std::to_string(stream));
      return HODEI_ERR_INVALID_ARGUMENT;
    }
    if (closed_) violation("write after destroy");
    if (!in_step_) violation("write outside a step");
    if (len == 0) violation("empty write");
    if (s->in_flight.fetch_add(1) != 0) violation("overlapping writes on one stream");
    call = static_cast<int64_t>(writes_++);
    s->count += len;
    if (options_.keep_bytes) s->bytes.append(reinterpret_cast<const char *>(data), len);
    if (options_.hash) s->hash.update(data, len);
  }
  cv_.notify_all();
  // Sleeping outside the lock: the other stream may proceed, as with a real host.
  if (options_.write_delay.count() > 0) std::this_thread::sleep_for(options_.write_delay);
  s->in_flight.fetch_sub(1);
  const bool cancelled = options_.cancelled_after_writes >= 0 && call >= options_.cancelled_after_writes;
  return cancelled ? HODEI_ERR_CANCELLED : HODEI_OK;
}

void TestSink::violation(std::string what) { violations_.push_back(std::move(what)); }

std::string TestSink::out() const {
  std::lock_guard lock(mutex_);
  return out_.bytes;
}
std::string TestSink::err() const {
  std::lock_guard lock(mutex_);
  return err_.bytes;
}
uint64_t TestSink::bytes(uint32_t stream) const {
  std::lock_guard lock(mutex_);
  return stream == HODEI_STREAM_STDOUT ? out_.count : err_.count;
}
std::string TestSink::sha256(uint32_t stream) const {
  std::lock_guard lock(mutex_);
  return stream == HODEI_STREAM_STDOUT ? out_.hash.hex() : err_.hash.hex();
}
uint64_t TestSink::write_calls() const {
  std::lock_guard lock(mutex_);
  return writes_;
}
std::vector<uint32_t> TestSink::started() const {
  std::lock_guard lock(mutex_);
  return started_;
}
std::vector<hodei_step_result> TestSink::finished() const {
  std::lock_guard lock(mutex_);
  return finished_;
}
std::vector<std::string> TestSink::violations() const {
  std::lock_guard lock(mutex_);
  return violations_;
}

bool TestSink::wait_for_output(uint32_t stream, std::string_view needle, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  const std::string &bytes = stream == HODEI_STREAM_STDOUT ? out_.bytes : err_.bytes;
  return cv_.wait_for(lock, timeout, [&] { return bytes.find(needle) != std::string::npos; });
}

void TestSink::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

} // namespace hodei::shell_test
