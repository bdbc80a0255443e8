/* One defect per build: CMake compiles this file once per refusal reason with -DBROKEN_<DEFECT> and
 * -DBROKEN_NAME="<name>". Without a defect it is a minimal valid executor (id "dev.hodei.test.broken-<name>"). */
#include <hodei/plugin_api.h>
#include <stddef.h>
#include <string.h>

#ifndef BROKEN_NAME
#error "BROKEN_NAME must be set"
#endif

/* Some defects leave a piece unreferenced (a NULL descriptor leaves the descriptor unused...). */
#define MAYBE_UNUSED __attribute__((unused))

/* ---- descriptor fields ---- */
#if defined(BROKEN_ID_MISSING)
#define D_ID NULL
#elif defined(BROKEN_ID_INVALID)
#define D_ID "Dev.Hodei.Test.Broken"
#else
#define D_ID "dev.hodei.test.broken-" BROKEN_NAME
#endif

#if defined(BROKEN_NAME_MISSING)
#define D_NAME NULL
#else
#define D_NAME "Broken test plugin " BROKEN_NAME
#endif

#if defined(BROKEN_VERSION_INVALID)
#define D_VERSION "1.0"
#else
#define D_VERSION "1.0.0"
#endif

#if defined(BROKEN_KINDS_ZERO)
#define D_KINDS 0u
#elif defined(BROKEN_KINDS_UNKNOWN)
#define D_KINDS (HODEI_KIND_EXECUTOR | (1u << 5))
#elif defined(BROKEN_BACKEND_NO_SCHEMES) || defined(BROKEN_SCHEME_INVALID)
#define D_KINDS HODEI_KIND_ARTIFACT_BACKEND
#else
#define D_KINDS HODEI_KIND_EXECUTOR
#endif

#if defined(BROKEN_CAP_WITHOUT_FN)
#define D_CAPS HODEI_CAP_EXECUTOR_SIGNAL
#else
#define D_CAPS 0u
#endif

#if defined(BROKEN_SCHEME_INVALID)
static const char *const schemes[] = {"S3:", NULL};
#define D_SCHEMES schemes
#else
#define D_SCHEMES NULL
#endif

#if defined(BROKEN_DESCRIPTOR_SMALL)
#define D_SIZE 8u
#else
#define D_SIZE sizeof(hodei_plugin_descriptor)
#endif

/* ---- entry fields ---- */
#if defined(BROKEN_BAD_MAGIC)
#define E_MAGIC 0x0123456789ABCDEFULL
#else
#define E_MAGIC HODEI_PLUGIN_MAGIC
#endif

#if defined(BROKEN_ABI_MAJOR)
#define E_MAJOR 2
#else
#define E_MAJOR HODEI_ABI_MAJOR
#endif

#if defined(BROKEN_ABI_MINOR)
#define E_MINOR 3
#else
#define E_MINOR HODEI_ABI_MINOR
#endif

#if defined(BROKEN_TRUNCATED)
#define E_SIZE 24u /* the frozen prefix and the descriptor pointer only */
#else
#define E_SIZE sizeof(hodei_plugin)
#endif

/* ---- a minimal executor ---- */
struct hodei_job {
  int unused;
};
static struct hodei_job the_job;

MAYBE_UNUSED static void set_error(hodei_error *err, const char *message) {
  size_t n;
  if (err == NULL || err->message == NULL || err->capacity == 0) return;
  n = strlen(message);
  if (n >= err->capacity) n = err->capacity - 1;
  memcpy(err->message, message, n);
  err->message[n] = '\0';
}

MAYBE_UNUSED static hodei_status b_start(void *ctx, const hodei_job_spec *spec, const hodei_output_sink *sink,
                                         hodei_job **out, hodei_error *err) {
  (void)ctx, (void)spec, (void)sink, (void)err;
  *out = &the_job;
  return HODEI_OK;
}
static hodei_status b_wait(void *ctx, hodei_job *job, int64_t timeout_ms, hodei_job_result *out, hodei_error *err) {
  (void)ctx, (void)job, (void)timeout_ms, (void)err;
  out->outcome = HODEI_OUTCOME_SUCCEEDED;
  return HODEI_OK;
}
static hodei_status b_cancel(void *ctx, hodei_job *job, int32_t mode, uint32_t grace_ms, hodei_error *err) {
  (void)ctx, (void)job, (void)mode, (void)grace_ms, (void)err;
  return HODEI_OK;
}
static void b_destroy(void *ctx, hodei_job *job) { (void)ctx, (void)job; }

MAYBE_UNUSED static const hodei_executor_v1 executor = {
#if defined(BROKEN_TABLE_SMALL)
    8u,
#else
    sizeof(hodei_executor_v1),
#endif
    0,      NULL,
#if defined(BROKEN_TABLE_FN_NULL)
    NULL,
#else
    b_start,
#endif
    b_wait, b_cancel, b_destroy, NULL, /* signal: BROKEN_CAP_WITHOUT_FN declares HODEI_CAP_EXECUTOR_SIGNAL anyway */
    NULL,   NULL,     NULL,
};

MAYBE_UNUSED static int instance;

MAYBE_UNUSED static hodei_status b_init(const hodei_host_services *host, const char *config_json, void **out_ctx,
                                        hodei_error *err) {
  (void)host, (void)config_json;
#if defined(BROKEN_INIT_FAILS)
  (void)out_ctx;
  set_error(err, "config.socket: expected a string");
  return HODEI_ERR_INVALID_ARGUMENT;
#else
  (void)err;
  *out_ctx = &instance;
  return HODEI_OK;
#endif
}
static void b_deinit(void *ctx) { (void)ctx; }
static const void *b_get_interface(void *ctx, const char *id) {
  (void)ctx;
#if defined(BROKEN_INTERFACE_NULL)
  (void)id;
  return NULL;
#else
  return id != NULL && strcmp(id, HODEI_EXECUTOR_INTERFACE_V1) == 0 ? &executor : NULL;
#endif
}

MAYBE_UNUSED static const hodei_plugin_descriptor descriptor = {
    D_SIZE, D_KINDS, D_CAPS, D_ID, D_NAME, D_VERSION, "a plugin with one defect: " BROKEN_NAME, D_SCHEMES, NULL,
};

static const hodei_plugin plugin = {
    E_MAGIC,  E_SIZE,          E_MAJOR, E_MINOR,
#if defined(BROKEN_DESCRIPTOR_NULL)
    NULL,
#else
    &descriptor,
#endif
#if defined(BROKEN_INIT_NULL)
    NULL,
#else
    b_init,
#endif
    b_deinit, b_get_interface,
};

HODEI_EXPORT const hodei_plugin *hodei_plugin_entry(void) {
#if defined(BROKEN_ENTRY_NULL)
  (void)plugin;
  return NULL;
#else
  return &plugin;
#endif
}
