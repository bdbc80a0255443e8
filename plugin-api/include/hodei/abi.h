/*
 * Hodei Worker plugin ABI, version 1.0 — core definitions.
 *
 * This header is the whole contract between the hodei-worker host and a plugin. It is plain C99 with fixed-width
 * types so that a plugin built by any compiler, against any C++ standard library, in any language with a C FFI,
 * loads into any host of the same ABI major. See docs/plugin-abi.md for the versioning promise.
 *
 * General rules (they hold for every function in every hodei header unless the function says otherwise):
 *   - Strings are NUL-terminated UTF-8.
 *   - Pointer arguments are BORROWED for the duration of the call only. Copy what you need to keep.
 *   - Memory a side returns (descriptor, interface tables, strings) stays owned by that side; the other side never
 *     frees it. Nothing allocated by one side is ever freed by the other.
 *   - Every struct that crosses the boundary starts with `struct_size` (sizeof the struct as the writer compiled it)
 *     and only grows at the end. A reader must check `struct_size` before touching a field added in a later minor,
 *     and must accept any struct_size >= the 1.0 size (HODEI_*_V1_0_SIZE below), never compare with its own sizeof.
 *   - Structs passed as ARRAYS (hodei_kv, hodei_step_spec) are FROZEN: they never grow, because an older reader
 *     would index them with the wrong stride. New per-element data goes into a parallel array added at the end of
 *     the struct that holds the array.
 *   - "Buffer too small" rule for functions that write a string or blob into a caller buffer: they return
 *     HODEI_ERR_RESOURCE_EXHAUSTED and set *out_len to the length WITHOUT the NUL terminator; for strings the caller
 *     then needs *out_len + 1 bytes.
 *   - No C++ exception, longjmp or signal may cross the boundary. A function reports failure through its
 *     hodei_status return value plus an optional message written into a caller-owned hodei_error.
 */
#ifndef HODEI_ABI_H
#define HODEI_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------------------------
 * Version and symbol visibility
 * ------------------------------------------------------------------------------------------------------------- */

/* The ABI version this header describes. A host of major M and minor N loads a plugin whose entry says major M and
 * required minor <= N. */
#define HODEI_ABI_MAJOR 1
#define HODEI_ABI_MINOR 0

/* "HODEIPLG" read as a little-endian uint64. Never changes. */
#define HODEI_PLUGIN_MAGIC 0x474C504945444F48ULL

/* The one symbol a plugin exports. Never changes across majors. */
#define HODEI_PLUGIN_ENTRY_SYMBOL "hodei_plugin_entry"

#if defined(_WIN32)
#define HODEI_EXPORT __declspec(dllexport)
#else
#define HODEI_EXPORT __attribute__((visibility("default")))
#endif

/* Compile-time layout checks that work in C99 (no _Static_assert) and in C++. */
#if defined(__cplusplus)
#define HODEI_STATIC_ASSERT(cond, name) static_assert(cond, #name)
#else
#define HODEI_STATIC_ASSERT(cond, name) typedef char hodei_static_assert_##name[(cond) ? 1 : -1]
#endif

/* ---------------------------------------------------------------------------------------------------------------
 * Status codes. An append-only set: values are never renumbered or reused. Unknown values must be treated as
 * HODEI_ERR_INTERNAL by the reader.
 * ------------------------------------------------------------------------------------------------------------- */
typedef int32_t hodei_status;

#define HODEI_OK 0
#define HODEI_ERR_INVALID_ARGUMENT 1  /* bad input: a spec, a URI, a config value. The message names the field. */
#define HODEI_ERR_NOT_FOUND 2         /* the object, image, job or file does not exist */
#define HODEI_ERR_UNSUPPORTED 3       /* the operation or option is not implemented by this plugin */
#define HODEI_ERR_IO 4                /* local I/O failed (disk, pipe, process spawn) */
#define HODEI_ERR_TIMEOUT 5           /* a bounded wait ended before the event (not a failure of the job) */
#define HODEI_ERR_CANCELLED 6         /* the operation stopped because it was cancelled */
#define HODEI_ERR_CHECKSUM_MISMATCH 7 /* the bytes do not hash to the expected digest */
#define HODEI_ERR_PERMISSION_DENIED 8 /* authentication or authorisation refused */
#define HODEI_ERR_UNAVAILABLE 9       /* a remote service cannot be reached or answered 5xx after retries */
#define HODEI_ERR_ALREADY_EXISTS 10
#define HODEI_ERR_INTERNAL 11           /* a bug or an unexpected exception inside the callee */
#define HODEI_ERR_RESOURCE_EXHAUSTED 12 /* out of memory, disk quota, or a resource limit */

/* ---------------------------------------------------------------------------------------------------------------
 * Error message buffer. Owned by the CALLER. The callee writes at most `capacity` bytes including the NUL
 * terminator (truncating if needed) and only when it returns a status other than HODEI_OK. A NULL hodei_error*, or
 * a NULL `message`, or capacity 0, means the caller does not want a message.
 * ------------------------------------------------------------------------------------------------------------- */
typedef struct hodei_error {
  uint32_t struct_size;
  uint32_t capacity; /* bytes available at `message` */
  char *message;
} hodei_error;

/* ---------------------------------------------------------------------------------------------------------------
 * Log levels for hodei_host_services.log
 * ------------------------------------------------------------------------------------------------------------- */
#define HODEI_LOG_TRACE 0
#define HODEI_LOG_DEBUG 1
#define HODEI_LOG_INFO 2
#define HODEI_LOG_WARN 3
#define HODEI_LOG_ERROR 4

/* ---------------------------------------------------------------------------------------------------------------
 * Host services: given to the plugin at init. The struct and everything it points to stay valid until deinit
 * returns; the plugin may keep the pointer.
 * ------------------------------------------------------------------------------------------------------------- */
typedef struct hodei_host_services {
  uint32_t struct_size;
  uint16_t abi_major; /* the host's ABI version, so a plugin can use features of a newer minor when present */
  uint16_t abi_minor;
  void *host_ctx; /* opaque; pass back to every function below */

  /* Writes one line to the worker's log, attributed to this plugin.
   * Threads: any thread, concurrently, until deinit returns. `message` is borrowed for the call. Never fails. */
  void (*log)(void *host_ctx, int32_t level, const char *message);

  /* Looks up a host setting by key ("worker.id", "worker.name", "worker.data_dir", "worker.version").
   * Writes the value (NUL-terminated) into `buf` of `capacity` bytes and its length (without NUL) into *out_len.
   * Returns HODEI_OK; HODEI_ERR_NOT_FOUND for an unknown key; HODEI_ERR_RESOURCE_EXHAUSTED when `capacity` is too
   * small (then *out_len holds the length needed and `buf` is untouched).
   * Threads: any thread, concurrently. */
  hodei_status (*config_get)(void *host_ctx, const char *key, char *buf, size_t capacity, size_t *out_len);

  /* Returns the host extension table for `extension_id` (e.g. "hodei.host.metrics/1"), or NULL if this host has no
   * such extension. The returned table is owned by the host and valid until deinit returns.
   * Threads: any thread. */
  const void *(*get_extension)(void *host_ctx, const char *extension_id);
} hodei_host_services;

/* ---------------------------------------------------------------------------------------------------------------
 * Plugin descriptor: what the plugin is. Static data owned by the plugin, valid while the library is loaded.
 * ------------------------------------------------------------------------------------------------------------- */

/* Kinds (bit set). A plugin may be several kinds; it must then answer get_interface for each. */
#define HODEI_KIND_EXECUTOR (1u << 0)
#define HODEI_KIND_ARTIFACT_BACKEND (1u << 1)

/* Optional capabilities (bit set). A bit promises the matching optional function pointer is non-NULL; the host
 * refuses a plugin that declares a capability without its function ("broken capability"). */
#define HODEI_CAP_EXECUTOR_SIGNAL (1ull << 0)      /* hodei_executor_v1.signal */
#define HODEI_CAP_EXECUTOR_RECOVER (1ull << 1)     /* hodei_executor_v1.get_handle + recover */
#define HODEI_CAP_EXECUTOR_FINGERPRINT (1ull << 2) /* hodei_executor_v1.fingerprint */
#define HODEI_CAP_ARTIFACT_LIST (1ull << 16)       /* hodei_artifact_backend_v1.list */

typedef struct hodei_plugin_descriptor {
  uint32_t struct_size;
  uint32_t kinds;          /* HODEI_KIND_* bits; at least one */
  uint64_t capabilities;   /* HODEI_CAP_* bits */
  const char *id;          /* reverse-DNS, lowercase: [a-z0-9-]+(\.[a-z0-9-]+)+, e.g. "dev.hodei.executor.shell" */
  const char *name;        /* human-readable name */
  const char *version;     /* semantic version "MAJOR.MINOR.PATCH[-pre][+build]" */
  const char *description; /* one line; may be NULL */
  /* URI schemes handled by an artifact backend ("s3", "file"): a NULL-terminated array, NULL for executors. */
  const char *const *uri_schemes;
  /* JSON Schema (draft 2020-12) of the plugin's config object, or NULL. Documentation for operators and tooling. */
  const char *config_schema_json;
} hodei_plugin_descriptor;

/* ---------------------------------------------------------------------------------------------------------------
 * The entry struct returned by hodei_plugin_entry().
 *
 * FROZEN PREFIX: `magic`, `struct_size`, `abi_major`, `abi_minor` keep these offsets and meanings forever, across
 * all majors, so that any host can explain why it refuses any plugin.
 * ------------------------------------------------------------------------------------------------------------- */
typedef struct hodei_plugin {
  uint64_t magic;       /* HODEI_PLUGIN_MAGIC */
  uint32_t struct_size; /* sizeof(hodei_plugin) as the plugin compiled it */
  uint16_t abi_major;   /* must equal the host's major */
  uint16_t abi_minor;   /* the minimum host minor this plugin needs */
  /* ---- end of frozen prefix; the rest is ABI 1.0 ---- */

  const hodei_plugin_descriptor *descriptor;

  /* Creates the plugin instance. `host` stays valid until deinit returns. `config_json` is the plugin's config
   * object from the worker config ("{}" when none), borrowed for the call. On success stores an opaque context in
   * *out_ctx (may be NULL) and returns HODEI_OK. On failure returns a status and writes a message into `err`
   * (e.g. "config.socket: expected a string"); deinit is then NOT called.
   * Threads: called once, by the host's main thread, before anything else except hodei_plugin_entry(). */
  hodei_status (*init)(const hodei_host_services *host, const char *config_json, void **out_ctx, hodei_error *err);

  /* Destroys the instance created by init. Called once, after every object created through the plugin (jobs,
   * transfers) has been destroyed and no other call into the plugin is running. Must not fail.
   * Threads: any one host thread (whichever releases the plugin last), never concurrently with another call. */
  void (*deinit)(void *ctx);

  /* Returns the function table for a versioned interface id, e.g. HODEI_EXECUTOR_INTERFACE_V1, or NULL when the
   * plugin does not implement it (an unknown id is not an error). The table is owned by the plugin and stays valid
   * until deinit returns. Threads: any thread, after init succeeded. */
  const void *(*get_interface)(void *ctx, const char *interface_id);
} hodei_plugin;

/* Offsets of the frozen prefix. Changing any of these is forbidden. */
HODEI_STATIC_ASSERT(offsetof(hodei_plugin, magic) == 0, magic_at_0);
HODEI_STATIC_ASSERT(offsetof(hodei_plugin, struct_size) == 8, struct_size_at_8);
HODEI_STATIC_ASSERT(offsetof(hodei_plugin, abi_major) == 12, abi_major_at_12);
HODEI_STATIC_ASSERT(offsetof(hodei_plugin, abi_minor) == 14, abi_minor_at_14);
HODEI_STATIC_ASSERT(offsetof(hodei_error, struct_size) == 0, error_struct_size_first);
HODEI_STATIC_ASSERT(offsetof(hodei_host_services, struct_size) == 0, host_struct_size_first);
HODEI_STATIC_ASSERT(offsetof(hodei_plugin_descriptor, struct_size) == 0, descriptor_struct_size_first);

/* Sizes of the ABI 1.0 structs: a reader accepts any struct_size at least this large ("truncated" otherwise). */
#define HODEI_PLUGIN_V1_0_SIZE (offsetof(hodei_plugin, get_interface) + sizeof(void *))
#define HODEI_PLUGIN_DESCRIPTOR_V1_0_SIZE (offsetof(hodei_plugin_descriptor, config_schema_json) + sizeof(void *))
#define HODEI_HOST_SERVICES_V1_0_SIZE (offsetof(hodei_host_services, get_extension) + sizeof(void *))
#define HODEI_ERROR_V1_0_SIZE (offsetof(hodei_error, message) + sizeof(void *))

/* The one exported function. Returns a pointer to static data owned by the plugin, valid while the library is
 * loaded. Must not allocate, block or fail; may be called several times and from any thread. */
typedef const hodei_plugin *(*hodei_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HODEI_ABI_H */
