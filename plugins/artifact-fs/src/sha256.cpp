#include "sha256.hpp"

#include <algorithm>
#include <hodei/sdk.hpp>
#include <openssl/evp.h>

namespace hodei::artifact_fs {

void Sha256::Free::operator()(evp_md_ctx_st *ctx) const noexcept { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
    throw sdk::Error(HODEI_ERR_INTERNAL, "OpenSSL: cannot initialise SHA-256");
}

void Sha256::update(const void *data, size_t len) {
  if (len != 0 && EVP_DigestUpdate(ctx_.get(), data, len) != 1)
    throw sdk::Error(HODEI_ERR_INTERNAL, "OpenSSL: SHA-256 update failed");
}

std::string Sha256::hex_digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1)
    throw sdk::Error(HODEI_ERR_INTERNAL, "OpenSSL: SHA-256 final failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size_t{len} * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xF]);
  }
  return out;
}

bool is_sha256_hex(const std::string &s) noexcept {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

std::string to_lower(std::string s) {
  for (char &c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

} // namespace hodei::artifact_fs
