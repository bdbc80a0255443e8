// SHA-256 with OpenSSL's EVP interface: incremental (hash while streaming) and whole files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

namespace hodei::artifacts {

class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256 &) = delete;
  Sha256 &operator=(const Sha256 &) = delete;

  void update(std::span<const uint8_t> bytes);
  // Lowercase hex digest; the object cannot be updated afterwards.
  std::string hex_digest();

private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// Hex SHA-256 of a file's content (1 MiB reads). Throws std::system_error when it cannot be read.
std::string sha256_file(const std::filesystem::path &file);

} // namespace hodei::artifacts
