// An in-memory artifact backend written with the C++ SDK, scheme "mem" (HODEI_TEST_ID picks the id). Reads its
// source in 4-byte chunks and writes in 3-byte chunks so the host's stream adapters see many calls; checks the
// cancel token between chunks.
#include <hodei/sdk.hpp>
#include <map>
#include <mutex>

#ifndef HODEI_TEST_ID
#error "HODEI_TEST_ID must name the plugin id"
#endif

namespace {

using namespace hodei::sdk;

class MemStore final : public ArtifactBackend {
public:
  static constexpr const char *schemes[] = {"mem", nullptr};
  static constexpr PluginInfo info{
      HODEI_TEST_ID, "In-memory test store", "0.1.0", "keeps objects in memory", HODEI_CAP_ARTIFACT_LIST, schemes};

  MemStore(const Host &, std::string_view) {}

  ObjectInfo put(const std::string &uri, const ReadStream &src, const std::optional<std::string> &,
                 const CancelToken &cancel) override {
    std::string bytes;
    char buf[4];
    for (;;) {
      cancel.throw_if_cancelled();
      const size_t n = src.read(buf, sizeof buf);
      if (n == 0) break;
      bytes.append(buf, n);
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    objects_[uri] = bytes;
    return info_of(bytes);
  }

  void get(const std::string &uri, uint64_t offset, uint64_t length, const WriteStream &dst,
           const CancelToken &cancel) override {
    std::string bytes;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      const auto it = objects_.find(uri);
      if (it == objects_.end()) throw not_found(uri + ": no such object");
      bytes = it->second;
    }
    if (offset > bytes.size()) throw invalid_argument("offset is past the end");
    bytes = bytes.substr(offset, length == HODEI_SIZE_UNKNOWN ? std::string::npos : length);
    for (size_t at = 0; at < bytes.size(); at += 3) {
      cancel.throw_if_cancelled();
      dst.write(bytes.data() + at, std::min<size_t>(3, bytes.size() - at));
    }
  }

  ObjectInfo stat(const std::string &uri) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto it = objects_.find(uri);
    if (it == objects_.end()) throw not_found(uri + ": no such object");
    return info_of(it->second);
  }

  void remove(const std::string &uri) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    objects_.erase(uri);
  }

  void list(const std::string &prefix, const ListFn &fn, const CancelToken &) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (const auto &[uri, bytes] : objects_) {
      if (uri.compare(0, prefix.size(), prefix) == 0 && !fn(uri, info_of(bytes))) break;
    }
  }

private:
  static ObjectInfo info_of(const std::string &bytes) {
    ObjectInfo i;
    i.size = bytes.size();
    i.etag = "len-" + std::to_string(bytes.size());
    return i;
  }

  std::mutex mutex_;
  std::map<std::string, std::string> objects_;
};

} // namespace

HODEI_PLUGIN(MemStore)
