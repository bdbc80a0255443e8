// Times one put or get of a file through an artifact-backend plugin, loaded with dlopen like the host does.
//
//   artifact_bench PLUGIN.so CONFIG_JSON put FILE URI [EXPECTED_SHA256]
//   artifact_bench PLUGIN.so CONFIG_JSON get URI FILE
//
// Prints "<op> <bytes> bytes in <s> s = <MB/s> MB/s" (MB = 10^6 bytes) and exits non-zero on failure.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <hodei/plugin_api.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace {

struct FileStream {
  int fd;
  uint64_t bytes = 0;
};

hodei_status read_file(void *ctx, uint8_t *buf, size_t cap, size_t *out_len) {
  auto *f = static_cast<FileStream *>(ctx);
  const ssize_t n = ::read(f->fd, buf, cap);
  if (n < 0) return HODEI_ERR_IO;
  f->bytes += static_cast<uint64_t>(n);
  *out_len = static_cast<size_t>(n);
  return HODEI_OK;
}

hodei_status write_file(void *ctx, const uint8_t *data, size_t len) {
  auto *f = static_cast<FileStream *>(ctx);
  while (len > 0) {
    const ssize_t n = ::write(f->fd, data, len);
    if (n < 0) return HODEI_ERR_IO;
    data += n;
    len -= static_cast<size_t>(n);
    f->bytes += static_cast<uint64_t>(n);
  }
  return HODEI_OK;
}

void host_log(void *, int32_t level, const char *message) {
  if (level >= HODEI_LOG_WARN) std::fprintf(stderr, "plugin: %s\n", message);
}
hodei_status host_config(void *, const char *, char *, size_t, size_t *) { return HODEI_ERR_NOT_FOUND; }
const void *host_extension(void *, const char *) { return nullptr; }

int usage() {
  std::fprintf(stderr, "usage: artifact_bench PLUGIN.so CONFIG_JSON put FILE URI [EXPECTED_SHA256]\n"
                       "       artifact_bench PLUGIN.so CONFIG_JSON get URI FILE\n");
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 6) return usage();
  const std::string op = argv[3];
  void *lib = ::dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    std::fprintf(stderr, "dlopen: %s\n", ::dlerror()); // NOLINT(concurrency-mt-unsafe): one thread
    return 1;
  }
  auto entry = reinterpret_cast<hodei_plugin_entry_fn>(::dlsym(lib, HODEI_PLUGIN_ENTRY_SYMBOL));
  const hodei_plugin *plugin = entry();
  hodei_host_services host{
      sizeof(hodei_host_services), HODEI_ABI_MAJOR, HODEI_ABI_MINOR, nullptr, &host_log, &host_config, &host_extension};
  char message[2048] = {0};
  hodei_error err{sizeof(hodei_error), sizeof(message), message};
  void *ctx = nullptr;
  if (plugin->init(&host, argv[2], &ctx, &err) != HODEI_OK) {
    std::fprintf(stderr, "init: %s\n", message);
    return 1;
  }
  const auto *api =
      static_cast<const hodei_artifact_backend_v1 *>(plugin->get_interface(ctx, HODEI_ARTIFACT_BACKEND_INTERFACE_V1));

  FileStream file{-1};
  hodei_status st = HODEI_OK;
  const auto started = std::chrono::steady_clock::now();
  if (op == "put") {
    file.fd = ::open(argv[4], O_RDONLY | O_CLOEXEC);
    struct stat sb {};
    ::fstat(file.fd, &sb);
    hodei_read_stream src{sizeof(hodei_read_stream), 0, &file, static_cast<uint64_t>(sb.st_size), &read_file};
    hodei_object_info info{};
    info.struct_size = sizeof(info);
    st = api->put(ctx, argv[5], &src, argc > 6 ? argv[6] : nullptr, nullptr, &info, &err);
  } else if (op == "get") {
    file.fd = ::open(argv[5], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    hodei_write_stream dst{sizeof(hodei_write_stream), 0, &file, &write_file};
    st = api->get(ctx, argv[4], 0, HODEI_SIZE_UNKNOWN, &dst, nullptr, &err);
    if (st == HODEI_OK && ::fsync(file.fd) != 0) st = HODEI_ERR_IO;
  } else {
    return usage();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ::close(file.fd);
  plugin->deinit(ctx);
  ::dlclose(lib);
  if (st != HODEI_OK) {
    std::fprintf(stderr, "%s: status %d: %s\n", op.c_str(), st, message);
    return 1;
  }
  std::printf("%s %llu bytes in %.3f s = %.1f MB/s\n", op.c_str(), static_cast<unsigned long long>(file.bytes), seconds,
              static_cast<double>(file.bytes) / seconds / 1e6);
  return 0;
}
