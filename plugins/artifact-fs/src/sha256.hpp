// Incremental SHA-256 over OpenSSL's EVP interface.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

struct evp_md_ctx_st;

namespace hodei::artifact_fs {

class Sha256 {
public:
  Sha256();
  void update(const void *data, size_t len);
  // Finishes the digest and returns it as 64 lowercase hex characters. Call once.
  std::string hex_digest();

private:
  struct Free {
    void operator()(evp_md_ctx_st *ctx) const noexcept;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

// True when `s` is 64 hex digits (either case).
bool is_sha256_hex(const std::string &s) noexcept;
// Lowercases ASCII letters.
std::string to_lower(std::string s);

} // namespace hodei::artifact_fs
