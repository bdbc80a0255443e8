#include "test_sink.hpp"

#include <fstream>
#include <openssl/evp.h>
#include <thread>
#include <vector>

namespace hodei::test {

namespace {

std::string hex(const unsigned char *digest, unsigned len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

} // namespace

// Incremental SHA-256 (OpenSSL EVP).
struct TestSink::Hasher {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  Hasher() { EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr); }
  ~Hasher() { EVP_MD_CTX_free(ctx); }
  Hasher(const Hasher &) = delete;
  Hasher &operator=(const Hasher &) = delete;
  void update(const uint8_t *data, size_t len) { EVP_DigestUpdate(ctx, data, len); }
  [[nodiscard]] std::string hex_digest() const {
    EVP_MD_CTX *copy = EVP_MD_CTX_new();
    EVP_MD_CTX_copy_ex(copy, ctx);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(copy, digest, &len);
    EVP_MD_CTX_free(copy);
    return hex(digest, len);
  }
};

TestSink::TestSink(bool keep_bytes) : keep_bytes_(keep_bytes), out_hash_(std::make_unique<Hasher>()) {
  sink_.struct_size = sizeof(sink_);
  sink_.sink_ctx = this;
  sink_.write = &TestSink::on_write;
  sink_.step_started = &TestSink::on_step_started;
  sink_.step_finished = &TestSink::on_step_finished;
}

TestSink::~TestSink() = default;

hodei_status TestSink::on_write(void *ctx, uint32_t stream, const uint8_t *data, size_t len) {
  auto *self = static_cast<TestSink *>(ctx);
  {
    std::lock_guard lock(self->mutex_);
    if (stream != HODEI_STREAM_STDOUT && stream != HODEI_STREAM_STDERR) {
      self->violations_.push_back("write to unknown stream " + std::to_string(stream));
      return HODEI_OK;
    }
    if (self->in_write_[stream]) self->violations_.push_back("overlapping writes on stream " + std::to_string(stream));
    if (self->current_step_ < 0) self->violations_.push_back("output outside of a step");
    if (len == 0) self->violations_.push_back("empty write");
    self->in_write_[stream] = true;
  }
  // Outside the lock, like a host copying into its own buffers; hashing stays ordered because writes of one stream
  // never overlap (checked above).
  if (stream == HODEI_STREAM_STDOUT) self->out_hash_->update(data, len);
  if (const uint64_t bps = self->throttle_bps_.load(); bps != 0) // still inside the call: it blocks the caller
    std::this_thread::sleep_for(std::chrono::nanoseconds(len * 1000000000ull / bps));
  {
    std::lock_guard lock(self->mutex_);
    std::string &text = stream == HODEI_STREAM_STDOUT ? self->out_ : self->err_;
    if (self->keep_bytes_ || stream == HODEI_STREAM_STDERR) text.append(reinterpret_cast<const char *>(data), len);
    if (stream == HODEI_STREAM_STDOUT) self->out_size_ += len;
    self->in_write_[stream] = false;
  }
  self->cv_.notify_all();
  return HODEI_OK;
}

void TestSink::on_step_started(void *ctx, uint32_t index) {
  auto *self = static_cast<TestSink *>(ctx);
  std::lock_guard lock(self->mutex_);
  if (self->current_step_ >= 0)
    self->violations_.push_back("step_started(" + std::to_string(index) + ") while step " +
                                std::to_string(self->current_step_) + " is running");
  if (index != self->started_.size())
    self->violations_.push_back("step_started(" + std::to_string(index) + ") out of order");
  self->current_step_ = static_cast<int>(index);
  self->started_.push_back(index);
}

void TestSink::on_step_finished(void *ctx, const hodei_step_result *result) {
  auto *self = static_cast<TestSink *>(ctx);
  std::lock_guard lock(self->mutex_);
  if (result == nullptr || result->struct_size < sizeof(hodei_step_result)) {
    self->violations_.push_back("step_finished with a missing or short result");
    return;
  }
  if (self->current_step_ != static_cast<int>(result->step_index))
    self->violations_.push_back("step_finished(" + std::to_string(result->step_index) + ") without step_started");
  self->current_step_ = -1;
  self->finished_.push_back(*result);
  self->cv_.notify_all();
}

std::string TestSink::out() const {
  std::lock_guard lock(mutex_);
  return out_;
}
std::string TestSink::err() const {
  std::lock_guard lock(mutex_);
  return err_;
}
uint64_t TestSink::out_size() const {
  std::lock_guard lock(mutex_);
  return out_size_;
}
std::string TestSink::out_sha256() const {
  std::lock_guard lock(mutex_);
  return out_hash_->hex_digest();
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

bool TestSink::wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout,
                      [&] { return out_.find(needle) != std::string::npos || err_.find(needle) != std::string::npos; });
}

std::string sha256_of_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx, buf.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  return hex(digest, len);
}

} // namespace hodei::test
