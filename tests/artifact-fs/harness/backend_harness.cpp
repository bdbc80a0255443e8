#include "backend_harness.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <filesystem>
#include <openssl/evp.h>
#include <stdexcept>

namespace hodei::test {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

struct EvpFree {
  void operator()(EVP_MD_CTX *c) const noexcept { EVP_MD_CTX_free(c); }
};

std::string hex(const unsigned char *md, unsigned len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xF]);
  }
  return out;
}

class Sha {
public:
  Sha() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void update(const void *d, size_t n) { EVP_DigestUpdate(ctx_.get(), d, n); }
  std::string finish() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &len);
    return hex(md, len);
  }

private:
  std::unique_ptr<EVP_MD_CTX, EvpFree> ctx_;
};

} // namespace

std::string sha256_hex(std::string_view data) {
  Sha s;
  s.update(data.data(), data.size());
  return s.finish();
}

void pattern_fill(uint64_t seed, uint64_t offset, char *out, size_t len) {
  uint64_t block = offset / 8;
  uint64_t value = splitmix64(seed * 0x100000001B3ull + block);
  for (size_t i = 0; i < len; ++i) {
    const uint64_t pos = offset + i;
    if (pos / 8 != block) {
      block = pos / 8;
      value = splitmix64(seed * 0x100000001B3ull + block);
    }
    out[i] = static_cast<char>((value >> (8 * (pos % 8))) & 0xFF);
  }
}

std::string pattern_bytes(uint64_t seed, uint64_t offset, size_t len) {
  std::string s(len, '\0');
  pattern_fill(seed, offset, s.data(), len);
  return s;
}

std::string pattern_sha256(uint64_t seed, uint64_t offset, uint64_t len) {
  Sha s;
  std::string buf(1 << 20, '\0');
  while (len > 0) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(len, buf.size()));
    pattern_fill(seed, offset, buf.data(), n);
    s.update(buf.data(), n);
    offset += n;
    len -= n;
  }
  return s.finish();
}

// ---------------------------------------------------------------------------------------------------------------

FakeHost::FakeHost() {
  services_.struct_size = sizeof(services_);
  services_.abi_major = HODEI_ABI_MAJOR;
  services_.abi_minor = HODEI_ABI_MINOR;
  services_.host_ctx = this;
  services_.log = &FakeHost::log;
  services_.config_get = &FakeHost::config_get;
  services_.get_extension = &FakeHost::get_extension;
}

std::vector<std::string> FakeHost::logs() const {
  const std::lock_guard lock(mutex_);
  return logs_;
}

void FakeHost::log(void *ctx, int32_t level, const char *message) {
  auto *self = static_cast<FakeHost *>(ctx);
  const std::lock_guard lock(self->mutex_);
  self->logs_.push_back(std::to_string(level) + " " + message);
}

hodei_status FakeHost::config_get(void *ctx, const char *key, char *buf, size_t cap, size_t *out_len) {
  const auto *self = static_cast<FakeHost *>(ctx);
  const auto it = self->settings.find(key);
  if (it == self->settings.end()) return HODEI_ERR_NOT_FOUND;
  *out_len = it->second.size();
  if (cap < it->second.size() + 1) return HODEI_ERR_RESOURCE_EXHAUSTED;
  std::memcpy(buf, it->second.c_str(), it->second.size() + 1);
  return HODEI_OK;
}

const void *FakeHost::get_extension(void *, const char *) { return nullptr; }

// ---------------------------------------------------------------------------------------------------------------

CancelFlag::CancelFlag() {
  token_.struct_size = sizeof(token_);
  token_.token_ctx = this;
  token_.is_cancelled = &CancelFlag::is_cancelled;
}

int32_t CancelFlag::is_cancelled(void *ctx) { return static_cast<CancelFlag *>(ctx)->flag_.load() ? 1 : 0; }

// ---------------------------------------------------------------------------------------------------------------

ReadSource ReadSource::of(std::string data) {
  ReadSource r;
  r.size_ = data.size();
  r.data_ = std::move(data);
  return r;
}

ReadSource ReadSource::pattern(uint64_t size, uint64_t seed) {
  ReadSource r;
  r.size_ = size;
  r.seed_ = seed;
  return r;
}

ReadSource &ReadSource::at(uint64_t offset, std::function<void()> hook) {
  hooks_.emplace_back(offset, std::move(hook));
  return *this;
}

ReadSource &ReadSource::fail_at(uint64_t offset, hodei_status status) {
  failure_ = {offset, status};
  return *this;
}

std::string ReadSource::sha256() const { return data_ ? sha256_hex(*data_) : pattern_sha256(seed_, 0, size_); }

const hodei_read_stream *ReadSource::stream() {
  stream_.struct_size = sizeof(stream_);
  stream_.stream_ctx = this;
  stream_.size = announced_ ? *announced_ : (announce_size_ ? size_ : HODEI_SIZE_UNKNOWN);
  stream_.read = &ReadSource::read;
  return &stream_;
}

hodei_status ReadSource::read(void *ctx, uint8_t *buf, size_t cap, size_t *out_len) {
  auto *self = static_cast<ReadSource *>(ctx);
  for (auto &[offset, hook] : self->hooks_) {
    if (hook && self->pos_ >= offset) {
      hook();
      hook = nullptr;
    }
  }
  if (self->failure_ && self->pos_ >= self->failure_->first) return self->failure_->second;
  uint64_t n = std::min<uint64_t>({cap, self->chunk_, self->size_ - self->pos_});
  if (self->failure_) n = std::min<uint64_t>(n, self->failure_->first - self->pos_);
  for (const auto &[offset, hook] : self->hooks_)
    if (hook && offset > self->pos_) n = std::min<uint64_t>(n, offset - self->pos_);
  auto *out = reinterpret_cast<char *>(buf);
  if (self->data_)
    std::memcpy(out, self->data_->data() + self->pos_, n);
  else
    pattern_fill(self->seed_, self->pos_, out, n);
  self->pos_ += n;
  *out_len = n;
  return HODEI_OK;
}

// ---------------------------------------------------------------------------------------------------------------

struct WriteSink::Hasher {
  Sha sha;
  std::optional<std::string> digest;
};

WriteSink::WriteSink() : hasher_(std::make_shared<Hasher>()) {
  stream_.struct_size = sizeof(stream_);
  stream_.stream_ctx = this;
  stream_.write = &WriteSink::write;
}

WriteSink &WriteSink::fail_after(uint64_t bytes, hodei_status status) {
  failure_ = {bytes, status};
  return *this;
}

std::string WriteSink::sha256() {
  if (!hasher_->digest) hasher_->digest = hasher_->sha.finish();
  return *hasher_->digest;
}

hodei_status WriteSink::write(void *ctx, const uint8_t *data, size_t len) {
  auto *self = static_cast<WriteSink *>(ctx);
  if (self->failure_ && self->total_ >= self->failure_->first) return self->failure_->second;
  self->hasher_->sha.update(data, len);
  if (self->kept_.size() < self->keep_limit_)
    self->kept_.append(reinterpret_cast<const char *>(data), std::min(len, self->keep_limit_ - self->kept_.size()));
  self->chunks_.push_back(len);
  self->total_ += len;
  return HODEI_OK;
}

// ---------------------------------------------------------------------------------------------------------------

std::vector<std::string> ListResult::uris() const {
  std::vector<std::string> out;
  for (const ListEntry &e : entries) out.push_back(e.uri);
  return out;
}

namespace {

struct ErrorBuffer {
  char text[1024] = {0};
  hodei_error err{sizeof(hodei_error), sizeof(text), text};
};

} // namespace

LoadedBackend::LoadedBackend(const std::string &so_path, const std::string &config_json, const FakeHost &host) {
  lib_ = ::dlopen(so_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib_ == nullptr) throw std::runtime_error("dlopen " + so_path + ": " + ::dlerror());
  auto entry = reinterpret_cast<hodei_plugin_entry_fn>(::dlsym(lib_, HODEI_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) throw std::runtime_error(so_path + ": no " HODEI_PLUGIN_ENTRY_SYMBOL);
  plugin_ = entry();
  ErrorBuffer e;
  init_.status = plugin_->init(host.services(), config_json.c_str(), &ctx_, &e.err);
  if (init_.status != HODEI_OK) {
    init_.message = e.text;
    return;
  }
  api_ =
      static_cast<const hodei_artifact_backend_v1 *>(plugin_->get_interface(ctx_, HODEI_ARTIFACT_BACKEND_INTERFACE_V1));
  if (api_ == nullptr) throw std::runtime_error(so_path + ": no " HODEI_ARTIFACT_BACKEND_INTERFACE_V1 " interface");
}

LoadedBackend::~LoadedBackend() {
  if (init_.status == HODEI_OK && plugin_ != nullptr) plugin_->deinit(ctx_);
  if (lib_ != nullptr) ::dlclose(lib_);
}

InfoResult LoadedBackend::put(const std::string &uri, ReadSource &src, const char *expected_sha256,
                              const hodei_cancel_token *cancel) {
  ErrorBuffer e;
  InfoResult r;
  r.info.struct_size = sizeof(r.info);
  r.status = api_->put(ctx_, uri.c_str(), src.stream(), expected_sha256, cancel, &r.info, &e.err);
  if (r.status != HODEI_OK) r.message = e.text;
  return r;
}

CallResult LoadedBackend::get(const std::string &uri, WriteSink &dst, uint64_t offset, uint64_t length,
                              const hodei_cancel_token *cancel) {
  ErrorBuffer e;
  CallResult r;
  r.status = api_->get(ctx_, uri.c_str(), offset, length, dst.stream(), cancel, &e.err);
  if (r.status != HODEI_OK) r.message = e.text;
  return r;
}

InfoResult LoadedBackend::stat(const std::string &uri) {
  ErrorBuffer e;
  InfoResult r;
  r.info.struct_size = sizeof(r.info);
  r.status = api_->stat(ctx_, uri.c_str(), &r.info, &e.err);
  if (r.status != HODEI_OK) r.message = e.text;
  return r;
}

CallResult LoadedBackend::remove(const std::string &uri) {
  ErrorBuffer e;
  CallResult r;
  r.status = api_->remove(ctx_, uri.c_str(), &e.err);
  if (r.status != HODEI_OK) r.message = e.text;
  return r;
}

ListResult LoadedBackend::list(const std::string &prefix, size_t limit, const hodei_cancel_token *cancel) {
  struct Collector {
    ListResult *result;
    size_t limit;
  };
  ErrorBuffer e;
  ListResult r;
  Collector c{&r, limit};
  const hodei_list_fn fn = [](void *user, const char *uri, const hodei_object_info *info) -> int32_t {
    auto *col = static_cast<Collector *>(user);
    col->result->entries.push_back({uri, *info});
    return col->result->entries.size() >= col->limit ? 1 : 0;
  };
  if (api_->list == nullptr) {
    r.status = HODEI_ERR_UNSUPPORTED;
    return r;
  }
  r.status = api_->list(ctx_, prefix.c_str(), fn, &c, cancel, &e.err);
  if (r.status != HODEI_OK) r.message = e.text;
  return r;
}

// ---------------------------------------------------------------------------------------------------------------

TempDir::TempDir(const std::string &tag) {
  std::string templ = "/tmp/" + tag + ".XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ScopedEnv::ScopedEnv(std::string name, const std::optional<std::string> &value) : name_(std::move(name)) {
  if (const char *old = std::getenv(name_.c_str())) old_ = old;
  if (value)
    ::setenv(name_.c_str(), value->c_str(), 1);
  else
    ::unsetenv(name_.c_str());
}

ScopedEnv::~ScopedEnv() {
  if (old_)
    ::setenv(name_.c_str(), old_->c_str(), 1);
  else
    ::unsetenv(name_.c_str());
}

} // namespace hodei::test
