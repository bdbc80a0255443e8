#include "artifact_backend_handle_impl.hpp"

#include "plugin_call.hpp"

#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace hodei::plugins {

namespace {

// The exception a host callback threw during one plugin call, re-thrown after the call returned.
class CallbackFailure {
public:
  void record(std::exception_ptr e) noexcept {
    try {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::move(e);
    } catch (...) {
    }
  }
  void rethrow_if_any() const {
    std::exception_ptr e;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      e = error_;
    }
    if (e) std::rethrow_exception(e);
  }

private:
  mutable std::mutex mutex_; // is_cancelled may be polled from any thread
  std::exception_ptr error_;
};

class CancelAdapter {
public:
  CancelAdapter(const CancelFn &fn, CallbackFailure &failure) noexcept : fn_(fn), failure_(failure) {
    token_.struct_size = sizeof token_;
    token_.token_ctx = this;
    token_.is_cancelled = &CancelAdapter::is_cancelled;
  }
  CancelAdapter(const CancelAdapter &) = delete;
  CancelAdapter &operator=(const CancelAdapter &) = delete;
  [[nodiscard]] const hodei_cancel_token *get() const noexcept { return &token_; }

private:
  static int32_t is_cancelled(void *ctx) noexcept {
    auto *self = static_cast<CancelAdapter *>(ctx);
    try {
      return self->fn_ && self->fn_() ? 1 : 0;
    } catch (...) {
      self->failure_.record(std::current_exception());
      return 1; // stop the transfer: the host re-throws once the plugin returned
    }
  }

  const CancelFn &fn_;
  CallbackFailure &failure_;
  hodei_cancel_token token_{};
};

class ReadAdapter {
public:
  ReadAdapter(const ReadFn &fn, std::optional<uint64_t> size, CallbackFailure &failure) noexcept
      : fn_(fn), failure_(failure) {
    stream_.struct_size = sizeof stream_;
    stream_.stream_ctx = this;
    stream_.size = size.value_or(HODEI_SIZE_UNKNOWN);
    stream_.read = &ReadAdapter::read;
  }
  ReadAdapter(const ReadAdapter &) = delete;
  ReadAdapter &operator=(const ReadAdapter &) = delete;
  [[nodiscard]] const hodei_read_stream *get() const noexcept { return &stream_; }

private:
  static hodei_status read(void *ctx, uint8_t *buf, size_t capacity, size_t *out_len) noexcept {
    auto *self = static_cast<ReadAdapter *>(ctx);
    if (out_len == nullptr || (buf == nullptr && capacity > 0)) return HODEI_ERR_INVALID_ARGUMENT;
    *out_len = 0;
    try {
      const size_t n = self->fn_(std::span<uint8_t>(buf, capacity));
      if (n > capacity) throw std::length_error("the read callback returned more bytes than the buffer holds");
      *out_len = n;
      return HODEI_OK;
    } catch (...) {
      self->failure_.record(std::current_exception());
      return HODEI_ERR_IO;
    }
  }

  const ReadFn &fn_;
  CallbackFailure &failure_;
  hodei_read_stream stream_{};
};

class WriteAdapter {
public:
  WriteAdapter(const WriteFn &fn, CallbackFailure &failure) noexcept : fn_(fn), failure_(failure) {
    stream_.struct_size = sizeof stream_;
    stream_.stream_ctx = this;
    stream_.write = &WriteAdapter::write;
  }
  WriteAdapter(const WriteAdapter &) = delete;
  WriteAdapter &operator=(const WriteAdapter &) = delete;
  [[nodiscard]] const hodei_write_stream *get() const noexcept { return &stream_; }

private:
  static hodei_status write(void *ctx, const uint8_t *data, size_t len) noexcept {
    auto *self = static_cast<WriteAdapter *>(ctx);
    if (len == 0) return HODEI_OK;
    if (data == nullptr) return HODEI_ERR_INVALID_ARGUMENT;
    try {
      self->fn_(std::span<const uint8_t>(data, len));
      return HODEI_OK;
    } catch (...) {
      self->failure_.record(std::current_exception());
      return HODEI_ERR_IO;
    }
  }

  const WriteFn &fn_;
  CallbackFailure &failure_;
  hodei_write_stream stream_{};
};

hodei_object_info empty_info() noexcept {
  hodei_object_info c{};
  c.struct_size = sizeof c;
  return c;
}

ObjectInfo to_object_info(const hodei_object_info &c) {
  ObjectInfo info;
  info.size = c.size;
  info.modified_unix_ms = c.modified_unix_ms;
  info.etag.assign(c.etag, ::strnlen(c.etag, sizeof c.etag));
  info.sha256_hex.assign(c.sha256_hex, ::strnlen(c.sha256_hex, sizeof c.sha256_hex));
  return info;
}

class ArtifactBackendHandleImpl final : public ArtifactBackendHandle {
public:
  explicit ArtifactBackendHandleImpl(std::shared_ptr<LoadedPlugin> plugin) noexcept
      : plugin_(std::move(plugin)), table_(*plugin_->backend) {}

  [[nodiscard]] const PluginInfo &info() const override { return plugin_->info(); }

  ObjectInfo put(const std::string &uri, const ReadFn &read, std::optional<uint64_t> size,
                 const std::optional<std::string> &expected_sha256, const CancelFn &cancel) override {
    CallbackFailure failure;
    ReadAdapter src(read, size, failure);
    CancelAdapter token(cancel, failure);
    hodei_object_info out = empty_info();
    ErrorBuffer err;
    const hodei_status st =
        table_.put(plugin_->ctx(), uri.c_str(), src.get(), expected_sha256 ? expected_sha256->c_str() : nullptr,
                   token.get(), &out, err.get());
    failure.rethrow_if_any();
    if (st != HODEI_OK) throw_call_error(what("put", uri), st, err);
    return to_object_info(out);
  }

  void get(const std::string &uri, uint64_t offset, std::optional<uint64_t> length, const WriteFn &write,
           const CancelFn &cancel) override {
    CallbackFailure failure;
    WriteAdapter dst(write, failure);
    CancelAdapter token(cancel, failure);
    ErrorBuffer err;
    const hodei_status st = table_.get(plugin_->ctx(), uri.c_str(), offset, length.value_or(HODEI_SIZE_UNKNOWN),
                                       dst.get(), token.get(), err.get());
    failure.rethrow_if_any();
    if (st != HODEI_OK) throw_call_error(what("get", uri), st, err);
  }

  ObjectInfo stat(const std::string &uri) override {
    hodei_object_info out = empty_info();
    ErrorBuffer err;
    const hodei_status st = table_.stat(plugin_->ctx(), uri.c_str(), &out, err.get());
    if (st != HODEI_OK) throw_call_error(what("stat", uri), st, err);
    return to_object_info(out);
  }

  void remove(const std::string &uri) override {
    ErrorBuffer err;
    const hodei_status st = table_.remove(plugin_->ctx(), uri.c_str(), err.get());
    if (st != HODEI_OK) throw_call_error(what("remove", uri), st, err);
  }

private:
  [[nodiscard]] std::string what(const char *operation, const std::string &uri) const {
    return info().id + ": " + operation + " " + uri;
  }

  std::shared_ptr<LoadedPlugin> plugin_;
  const hodei_artifact_backend_v1 &table_;
};

} // namespace

std::shared_ptr<ArtifactBackendHandle> make_artifact_backend_handle(std::shared_ptr<LoadedPlugin> plugin) {
  return std::make_shared<ArtifactBackendHandleImpl>(std::move(plugin));
}

} // namespace hodei::plugins
