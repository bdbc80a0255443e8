/*
 * Hodei Worker plugin ABI 1.0 — the artifact-backend interface, id "hodei.artifact-backend/1".
 *
 * An artifact backend stores and fetches byte streams addressed by URI ("s3://bucket/key", "file:///path") for the
 * URI schemes its descriptor lists. Bytes stream through host-provided callbacks in both directions, so neither
 * side ever holds a whole object in memory. The host hashes every byte itself (SHA-256); a backend's ETag is never
 * taken as a content hash.
 *
 * Rules shared by every function here: see abi.h (borrowed inputs, caller-owned error buffer, no exceptions).
 * Threads: every function may be called from any thread, concurrently for different transfers.
 * A `cancel` argument may be NULL: the transfer then cannot be cancelled.
 */
#ifndef HODEI_ARTIFACT_BACKEND_H
#define HODEI_ARTIFACT_BACKEND_H

#include "abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HODEI_ARTIFACT_BACKEND_INTERFACE_V1 "hodei.artifact-backend/1"

/* Size or length meaning "unknown" / "to the end". */
#define HODEI_SIZE_UNKNOWN UINT64_MAX

/* A source of bytes provided by the host for put. Valid for the duration of the put call. */
typedef struct hodei_read_stream {
  uint32_t struct_size;
  uint32_t reserved0;
  void *stream_ctx;
  uint64_t size; /* total bytes that read will deliver, or HODEI_SIZE_UNKNOWN */
  /* Reads up to `capacity` bytes into `buf`, stores the count in *out_len; *out_len == 0 means end of stream.
   * Returns HODEI_OK or an error (HODEI_ERR_IO, HODEI_ERR_CANCELLED). Called from one thread at a time. */
  hodei_status (*read)(void *stream_ctx, uint8_t *buf, size_t capacity, size_t *out_len);
} hodei_read_stream;

/* A sink of bytes provided by the host for get. Valid for the duration of the get call. */
typedef struct hodei_write_stream {
  uint32_t struct_size;
  uint32_t reserved0;
  void *stream_ctx;
  /* Takes all `len` bytes (copies them). Returns HODEI_OK or an error, which the backend must propagate by aborting
   * the transfer. Called from one thread at a time, in order. */
  hodei_status (*write)(void *stream_ctx, const uint8_t *data, size_t len);
} hodei_write_stream;

/* Cooperative cancellation, polled by long transfers between chunks (at least every few hundred ms). */
typedef struct hodei_cancel_token {
  uint32_t struct_size;
  uint32_t reserved0;
  void *token_ctx;
  /* Returns non-zero once the transfer should stop. Threads: any, concurrently. */
  int32_t (*is_cancelled)(void *token_ctx);
} hodei_cancel_token;

/* What a backend knows about an object. Caller-owned; the backend fills the fields it knows. */
typedef struct hodei_object_info {
  uint32_t struct_size;
  uint32_t reserved0;
  uint64_t size;            /* bytes */
  int64_t modified_unix_ms; /* 0 when unknown */
  char etag[128];           /* backend's version tag, opaque; "" when unknown */
  char sha256_hex[65];      /* lowercase hex SHA-256 if the backend stores one (e.g. x-amz-checksum), else "" */
} hodei_object_info;

/* Called by list for each object; `uri` and `info` are borrowed for the call. Return 0 to go on, non-zero to stop. */
typedef int32_t (*hodei_list_fn)(void *user, const char *uri, const hodei_object_info *info);

typedef struct hodei_artifact_backend_v1 {
  uint32_t struct_size;
  uint32_t reserved0;

  /* Stores all bytes of `src` at `uri`, replacing any object there; the object becomes visible only complete
   * (atomic rename, multipart completion...). When `expected_sha256_hex` is non-NULL the backend verifies the bytes
   * (or has the server verify them) and returns HODEI_ERR_CHECKSUM_MISMATCH without leaving an object otherwise.
   * On cancel or any failure, nothing partial stays behind (temp files removed, multipart uploads aborted).
   * `out` (may be NULL) receives the stored object's info. */
  hodei_status (*put)(void *ctx, const char *uri, const hodei_read_stream *src, const char *expected_sha256_hex,
                      const hodei_cancel_token *cancel, hodei_object_info *out, hodei_error *err);

  /* Streams bytes [offset, offset + length) of the object at `uri` into `dst` (length HODEI_SIZE_UNKNOWN = to the
   * end; a range reaching past the end is cut at the end). offset == size streams nothing and succeeds.
   * HODEI_ERR_NOT_FOUND when it does not exist; HODEI_ERR_INVALID_ARGUMENT when offset > size. */
  hodei_status (*get)(void *ctx, const char *uri, uint64_t offset, uint64_t length, const hodei_write_stream *dst,
                      const hodei_cancel_token *cancel, hodei_error *err);

  /* Fills `out` for the object at `uri`; HODEI_ERR_NOT_FOUND when it does not exist. */
  hodei_status (*stat)(void *ctx, const char *uri, hodei_object_info *out, hodei_error *err);

  /* Deletes the object; HODEI_OK also when it did not exist. */
  hodei_status (*remove)(void *ctx, const char *uri, hodei_error *err);

  /* HODEI_CAP_ARTIFACT_LIST: calls `fn` for every object whose URI starts with `uri_prefix`, in lexical order. */
  hodei_status (*list)(void *ctx, const char *uri_prefix, hodei_list_fn fn, void *user,
                       const hodei_cancel_token *cancel, hodei_error *err);
} hodei_artifact_backend_v1;

HODEI_STATIC_ASSERT(offsetof(hodei_artifact_backend_v1, struct_size) == 0, backend_struct_size_first);
HODEI_STATIC_ASSERT(offsetof(hodei_object_info, struct_size) == 0, object_info_struct_size_first);

/* Sizes of the ABI 1.0 structs (see abi.h: readers accept any struct_size at least this large). */
#define HODEI_READ_STREAM_V1_0_SIZE (offsetof(hodei_read_stream, read) + sizeof(void *))
#define HODEI_WRITE_STREAM_V1_0_SIZE (offsetof(hodei_write_stream, write) + sizeof(void *))
#define HODEI_CANCEL_TOKEN_V1_0_SIZE (offsetof(hodei_cancel_token, is_cancelled) + sizeof(void *))
#define HODEI_OBJECT_INFO_V1_0_SIZE (offsetof(hodei_object_info, sha256_hex) + 65)
#define HODEI_ARTIFACT_BACKEND_V1_0_SIZE (offsetof(hodei_artifact_backend_v1, list) + sizeof(void *))

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HODEI_ARTIFACT_BACKEND_H */
