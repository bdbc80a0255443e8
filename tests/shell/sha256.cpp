#include "sha256.hpp"

#include <openssl/evp.h>
#include <stdexcept>

namespace hodei::shell_test {

void Sha256::Free::operator()(evp_md_ctx_st *ctx) const noexcept { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("EVP_DigestInit_ex failed");
}
Sha256::Sha256(Sha256 &&) noexcept = default;
Sha256 &Sha256::operator=(Sha256 &&) noexcept = default;
Sha256::~Sha256() = default;

void Sha256::update(const void *data, size_t len) {
  if (EVP_DigestUpdate(ctx_.get(), data, len) != 1) throw std::runtime_error("EVP_DigestUpdate failed");
}

std::string Sha256::hex() const {
  std::unique_ptr<evp_md_ctx_st, Free> copy(EVP_MD_CTX_new());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!copy || EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()) != 1 || EVP_DigestFinal_ex(copy.get(), digest, &len) != 1)
    throw std::runtime_error("EVP_DigestFinal_ex failed");
  static const char *const digits = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += digits[digest[i] >> 4];
    out += digits[digest[i] & 0xF];
  }
  return out;
}

} // namespace hodei::shell_test
