#include "digest.hpp"

#include <algorithm>
#include <hodei/sdk.hpp>
#include <openssl/evp.h>

namespace hodei::artifact_s3 {

void Digest::Free::operator()(evp_md_ctx_st *ctx) const noexcept { EVP_MD_CTX_free(ctx); }

Digest::Digest(const evp_md_st *md) : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), md, nullptr) != 1)
    throw sdk::Error(HODEI_ERR_INTERNAL, "OpenSSL: cannot initialise a digest");
}

void Digest::update(const void *data, size_t len) {
  if (len != 0 && EVP_DigestUpdate(ctx_.get(), data, len) != 1)
    throw sdk::Error(HODEI_ERR_INTERNAL, "OpenSSL: digest update failed");
}

std::string Digest::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1) throw sdk::Error(HODEI_ERR_INTERNAL, "OpenSSL: digest failed");
  return std::string(reinterpret_cast<const char *>(md), len);
}

Sha256::Sha256() : Digest(EVP_sha256()) {}
Md5::Md5() : Digest(EVP_md5()) {}

std::string hex_encode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(kHex[u >> 4]);
    out.push_back(kHex[u & 0xF]);
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                reinterpret_cast<const unsigned char *>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * (text.size() / 4), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                reinterpret_cast<const unsigned char *>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t len = static_cast<size_t>(n);
  // EVP_DecodeBlock keeps the zero bytes standing for '=' padding.
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --len;
  out.resize(len);
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 d;
  d.update(bytes);
  return hex_encode(d.finish());
}

std::string md5_base64(std::string_view bytes) {
  Md5 d;
  d.update(bytes);
  return base64_encode(d.finish());
}

bool is_sha256_hex(std::string_view s) noexcept {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

std::string to_lower(std::string s) {
  for (char &c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

} // namespace hodei::artifact_s3
