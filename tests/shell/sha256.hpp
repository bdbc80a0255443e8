// Incremental SHA-256 over OpenSSL's EVP interface (the SHA256_* functions are deprecated in OpenSSL 3).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

struct evp_md_ctx_st;

namespace hodei::shell_test {

class Sha256 {
public:
  Sha256();
  Sha256(Sha256 &&) noexcept;
  Sha256 &operator=(Sha256 &&) noexcept;
  ~Sha256();

  void update(const void *data, size_t len);
  // The digest of everything so far, as lowercase hex. Does not end the computation.
  [[nodiscard]] std::string hex() const;

private:
  struct Free {
    void operator()(evp_md_ctx_st *ctx) const noexcept;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

} // namespace hodei::shell_test
