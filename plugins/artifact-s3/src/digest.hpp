// SHA-256 and MD5 over OpenSSL's EVP interface, and the encodings S3 wants them in.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_md_ctx_st;
struct evp_md_st;

namespace hodei::artifact_s3 {

// An incremental digest; Sha256 and Md5 below are the two S3 uses.
class Digest {
public:
  void update(const void *data, size_t len);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  // Finishes the digest (call once) and returns its raw bytes.
  std::string finish();

protected:
  explicit Digest(const evp_md_st *md);

private:
  struct Free {
    void operator()(evp_md_ctx_st *ctx) const noexcept;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

class Sha256 : public Digest {
public:
  Sha256();
};

class Md5 : public Digest {
public:
  Md5();
};

std::string hex_encode(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not canonical base64.
std::optional<std::string> base64_decode(std::string_view text);

// The lowercase hex SHA-256 and the base64 MD5 (Content-MD5) of `bytes`.
std::string sha256_hex(std::string_view bytes);
std::string md5_base64(std::string_view bytes);

// True when `s` is 64 hex digits (either case).
bool is_sha256_hex(std::string_view s) noexcept;
std::string to_lower(std::string s);

} // namespace hodei::artifact_s3
