/* A Hodei plugin written in plain C99 against <hodei/plugin_api.h> only: proof that the ABI needs no C++.
 *
 * A trivial executor, "dev.hodei.test.c": start runs nothing; it reports each step of the spec as started and
 * finished with exit code 0, writes "hello from C\n" to stdout through the host's sink, and the job ends at once
 * with HODEI_OUTCOME_SUCCEEDED. It also exercises the host services (config_get with a too-small buffer, log) so
 * the host-side tests can observe them through the log. */
#include <hodei/plugin_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct c_instance {
  const hodei_host_services *host;
  char worker_id[64];
} c_instance;

/* The opaque hodei_job of this plugin. */
struct hodei_job {
  hodei_job_result result;
};

static void say(const c_instance *in, int32_t level, const char *message) {
  if (in->host != NULL && in->host->log != NULL) in->host->log(in->host->host_ctx, level, message);
}

static void set_error(hodei_error *err, const char *message) {
  size_t n;
  if (err == NULL || err->message == NULL || err->capacity == 0) return;
  n = strlen(message);
  if (n >= err->capacity) n = err->capacity - 1;
  memcpy(err->message, message, n);
  err->message[n] = '\0';
}

static hodei_status c_init(const hodei_host_services *host, const char *config_json, void **out_ctx, hodei_error *err) {
  c_instance *in;
  char small[4];
  size_t needed = 0, len = 0;
  hodei_status st;
  int untouched;
  char line[512];

  if (host == NULL || host->struct_size < sizeof(hodei_host_services)) {
    set_error(err, "host services missing or too old");
    return HODEI_ERR_INVALID_ARGUMENT;
  }
  in = (c_instance *)calloc(1, sizeof *in);
  if (in == NULL) {
    set_error(err, "out of memory");
    return HODEI_ERR_RESOURCE_EXHAUSTED;
  }
  in->host = host;

  /* abi.h: a too-small buffer gives RESOURCE_EXHAUSTED, the length needed, and an untouched buffer. */
  memset(small, 'x', sizeof small);
  st = host->config_get(host->host_ctx, "worker.id", small, sizeof small, &needed);
  untouched = small[0] == 'x' && small[1] == 'x' && small[2] == 'x' && small[3] == 'x';
  if (st == HODEI_ERR_RESOURCE_EXHAUSTED && needed < sizeof in->worker_id) {
    st = host->config_get(host->host_ctx, "worker.id", in->worker_id, sizeof in->worker_id, &len);
  }
  if (st != HODEI_OK) strcpy(in->worker_id, "(unknown)");

  snprintf(line, sizeof line, "init: worker.id=%s (small buffer: needed %u, %s) config=%s", in->worker_id,
           (unsigned)needed, untouched ? "untouched" : "WRITTEN", config_json != NULL ? config_json : "(null)");
  say(in, HODEI_LOG_INFO, line);
  *out_ctx = in;
  return HODEI_OK;
}

static void c_deinit(void *ctx) {
  c_instance *in = (c_instance *)ctx;
  say(in, HODEI_LOG_INFO, "deinit");
  free(in);
}

static hodei_status c_validate(void *ctx, const hodei_job_spec *spec, hodei_error *err) {
  (void)ctx;
  if (spec == NULL || spec->struct_size < sizeof(hodei_job_spec)) {
    set_error(err, "job spec: struct too small");
    return HODEI_ERR_INVALID_ARGUMENT;
  }
  if (spec->options_json != NULL && strcmp(spec->options_json, "{}") != 0) {
    set_error(err, "c: this executor takes no options");
    return HODEI_ERR_INVALID_ARGUMENT;
  }
  return HODEI_OK;
}

static hodei_status c_start(void *ctx, const hodei_job_spec *spec, const hodei_output_sink *sink, hodei_job **out_job,
                            hodei_error *err) {
  static const char hello[] = "hello from C\n";
  hodei_job *job;
  uint32_t i;
  hodei_status st = c_validate(ctx, spec, err);
  if (st != HODEI_OK) return st;
  job = (hodei_job *)calloc(1, sizeof *job);
  if (job == NULL) {
    set_error(err, "out of memory");
    return HODEI_ERR_RESOURCE_EXHAUSTED;
  }
  for (i = 0; i < spec->step_count; ++i) {
    hodei_step_result r;
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    r.step_index = i;
    sink->step_started(sink->sink_ctx, i);
    if (i == 0) sink->write(sink->sink_ctx, HODEI_STREAM_STDOUT, (const uint8_t *)hello, sizeof hello - 1);
    sink->step_finished(sink->sink_ctx, &r);
  }
  if (spec->step_count == 0) sink->write(sink->sink_ctx, HODEI_STREAM_STDOUT, (const uint8_t *)hello, sizeof hello - 1);
  job->result.struct_size = sizeof job->result;
  job->result.outcome = HODEI_OUTCOME_SUCCEEDED;
  job->result.exit_code = spec->step_count > 0 ? 0 : -1;
  job->result.steps_run = spec->step_count;
  say((const c_instance *)ctx, HODEI_LOG_INFO, "start");
  *out_job = job;
  return HODEI_OK;
}

static hodei_status c_wait(void *ctx, hodei_job *job, int64_t timeout_ms, hodei_job_result *out, hodei_error *err) {
  uint32_t caller_size;
  size_t n;
  (void)ctx, (void)timeout_ms, (void)err;
  /* Write only what fits in the caller's struct, and keep its struct_size. */
  caller_size = out->struct_size;
  n = caller_size < sizeof job->result ? caller_size : sizeof job->result;
  memcpy(out, &job->result, n);
  out->struct_size = caller_size;
  return HODEI_OK;
}

static hodei_status c_cancel(void *ctx, hodei_job *job, int32_t mode, uint32_t grace_ms, hodei_error *err) {
  char line[64];
  (void)job, (void)grace_ms, (void)err;
  snprintf(line, sizeof line, "cancel mode=%d", (int)mode);
  say((const c_instance *)ctx, HODEI_LOG_INFO, line);
  return HODEI_OK; /* the job already ended */
}

static void c_destroy(void *ctx, hodei_job *job) {
  say((const c_instance *)ctx, HODEI_LOG_INFO, "destroy");
  free(job);
}

static hodei_status c_fingerprint(void *ctx, char *buf, size_t capacity, size_t *out_len, hodei_error *err) {
  static const char json[] = "{\"language\":\"c\",\"standard\":199901}";
  (void)ctx, (void)err;
  *out_len = sizeof json - 1;
  if (buf == NULL || capacity < sizeof json) return HODEI_ERR_RESOURCE_EXHAUSTED;
  memcpy(buf, json, sizeof json);
  return HODEI_OK;
}

static const hodei_executor_v1 c_executor = {
    sizeof(hodei_executor_v1), 0, c_validate, c_start, c_wait, c_cancel, c_destroy, NULL, NULL, NULL, c_fingerprint,
};

static const void *c_get_interface(void *ctx, const char *interface_id) {
  (void)ctx;
  if (interface_id != NULL && strcmp(interface_id, HODEI_EXECUTOR_INTERFACE_V1) == 0) return &c_executor;
  return NULL;
}

static const hodei_plugin_descriptor c_descriptor = {
    sizeof(hodei_plugin_descriptor),
    HODEI_KIND_EXECUTOR,
    HODEI_CAP_EXECUTOR_FINGERPRINT,
    "dev.hodei.test.c",
    "C test executor",
    "1.0.0",
    "A trivial executor written in C99: says hello and succeeds",
    NULL,
    NULL,
};

static const hodei_plugin c_plugin = {
    HODEI_PLUGIN_MAGIC, sizeof(hodei_plugin), HODEI_ABI_MAJOR, HODEI_ABI_MINOR, &c_descriptor, c_init,
    c_deinit,           c_get_interface,
};

HODEI_EXPORT const hodei_plugin *hodei_plugin_entry(void) { return &c_plugin; }
