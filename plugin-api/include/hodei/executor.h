/*
 * Hodei Worker plugin ABI 1.0 — the executor interface, id "hodei.executor/1".
 *
 * An executor runs one job's steps in order (in a local process, a container, a VM...) and streams their output
 * into a sink the host provides. The shape follows Nomad's task drivers: start, wait, cancel (graceful then force),
 * destroy; optionally signal, get_handle + recover, fingerprint.
 *
 * Life of a job, as the host drives it:
 *     validate (optional pre-check) -> start -> wait (repeatedly, with timeouts) -> destroy
 *     cancel may be called any number of times from any thread between start and destroy.
 *
 * Rules shared by every function here: see abi.h (borrowed inputs, caller-owned error buffer, no exceptions).
 */
#ifndef HODEI_EXECUTOR_H
#define HODEI_EXECUTOR_H

#include "abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HODEI_EXECUTOR_INTERFACE_V1 "hodei.executor/1"

/* Output streams of a step. */
#define HODEI_STREAM_STDOUT 1u
#define HODEI_STREAM_STDERR 2u

/* Job outcomes reported by wait. */
#define HODEI_OUTCOME_SUCCEEDED 0 /* every step that ran exited 0, or failed with continue_on_error */
#define HODEI_OUTCOME_FAILED 1    /* a step failed (non-zero exit or signal) and stopped the job */
#define HODEI_OUTCOME_CANCELLED 2 /* the job was stopped by cancel */
#define HODEI_OUTCOME_ERROR 3     /* the executor could not run the job (spawn failed, daemon gone...) */

/* cancel modes */
#define HODEI_CANCEL_GRACEFUL 0 /* polite stop (SIGTERM); escalate to FORCE by itself after grace_ms */
#define HODEI_CANCEL_FORCE 1    /* stop now (SIGKILL) */

/* A key/value pair. Both strings borrowed. FROZEN (passed in arrays): never grows. */
typedef struct hodei_kv {
  const char *key;
  const char *value;
} hodei_kv;

/* One step. FROZEN (passed in an array): never grows; struct_size is kept for symmetry and sanity checks. */
typedef struct hodei_step_spec {
  uint32_t struct_size;
  uint32_t continue_on_error; /* 1: a failure of this step does not stop the job nor fail it */
  const char *name;           /* unique within the job */
  const char *run;            /* the script, interpreted by the executor's shell (e.g. /bin/sh -c) */
  const hodei_kv *env;        /* step-level variables, override the job's; may be NULL when env_count == 0 */
  uint32_t env_count;
  uint32_t reserved0;
  const char *working_dir; /* relative to the workspace; NULL or "" = the workspace itself */
} hodei_step_spec;

/* Everything needed to run one job. Borrowed for the duration of start (and of validate): the executor copies
 * what it keeps. */
typedef struct hodei_job_spec {
  uint32_t struct_size;
  uint32_t step_count;
  const char *job_id;    /* unique per worker; safe as a file or container name suffix ([A-Za-z0-9._-]) */
  const char *job_name;  /* human-readable */
  const char *workspace; /* absolute path of an existing, writable folder owned by this job */
  const hodei_step_spec *steps;
  const hodei_kv *env; /* plain variables, may be NULL when env_count == 0 */
  uint32_t env_count;
  uint32_t secret_count;
  /* Secret variables: must reach the step's environment like `env`, but never appear in argv, file names,
   * container names/labels, or the plugin's own logs. The host masks their values in the output. */
  const hodei_kv *secrets;
  /* The job's executor-specific options as a JSON object text (the spec's object named after the executor, e.g.
   * "docker"), "{}" when absent. The executor validates it and names the bad field in its error. */
  const char *options_json;
} hodei_job_spec;

/* Result of one step, delivered through hodei_output_sink.step_finished. */
typedef struct hodei_step_result {
  uint32_t struct_size;
  uint32_t step_index;
  int32_t exit_code;   /* valid when term_signal == 0; -1 when the step never started */
  int32_t term_signal; /* the signal that terminated the step, 0 if it exited */
  int64_t started_unix_ms;
  int64_t duration_ms;
  uint32_t oom_killed; /* 1 when the executor knows the step was killed for exceeding its memory limit */
  uint32_t reserved0;
} hodei_step_result;

/* Final result of a job, written by wait into a caller-owned struct. The caller sets struct_size; the executor
 * writes only fields that fit in it. */
typedef struct hodei_job_result {
  uint32_t struct_size;
  int32_t outcome;     /* HODEI_OUTCOME_* */
  int32_t exit_code;   /* of the step that decided the outcome (the last one run); -1 if none */
  int32_t term_signal; /* idem, 0 if it exited */
  uint32_t steps_run;
  uint32_t oom_killed;
  /* For HODEI_OUTCOME_ERROR: why, NUL-terminated, truncated to fit. Empty otherwise. */
  char message[512];
} hodei_job_result;

/* The host's output sink for one job. Provided to start/recover; it and sink_ctx stay valid until destroy returns.
 * Threads: every function may be called from any thread of the plugin. Calls for the SAME stream must not overlap
 * (bytes of a stream are ordered by call order); calls for different streams may. */
typedef struct hodei_output_sink {
  uint32_t struct_size;
  uint32_t reserved0;
  void *sink_ctx;

  /* Hands `len` bytes of `stream` output to the host, which copies them before returning. May BLOCK to push back
   * when the host cannot keep up (the bytes are never dropped). Returns HODEI_OK; HODEI_ERR_CANCELLED when the job
   * is being cancelled or the host can no longer take output (the executor starts no further step; it need not
   * kill the running one — the host calls cancel for that; the bytes of this call were still taken);
   * HODEI_ERR_INVALID_ARGUMENT for a stream other than STDOUT/STDERR. */
  hodei_status (*write)(void *sink_ctx, uint32_t stream, const uint8_t *data, size_t len);

  /* Step lifecycle notifications, in order: step_started(i) before any output of step i, step_finished(i) after
   * all of it. `result` borrowed for the call. */
  void (*step_started)(void *sink_ctx, uint32_t step_index);
  void (*step_finished)(void *sink_ctx, const hodei_step_result *result);
} hodei_output_sink;

/* A running job: opaque, created by start/recover, owned by the plugin, released by destroy. */
typedef struct hodei_job hodei_job;

typedef struct hodei_executor_v1 {
  uint32_t struct_size;
  uint32_t reserved0;

  /* Checks a spec without running anything (options_json fields, image names...). NULL is allowed (no extra checks).
   * Returns HODEI_OK or HODEI_ERR_INVALID_ARGUMENT with the field named in `err`.
   * Threads: any thread, concurrently. */
  hodei_status (*validate)(void *ctx, const hodei_job_spec *spec, hodei_error *err);

  /* Starts the job and returns at once (it does not wait for the steps). On HODEI_OK, *out_job is a live job the
   * host must eventually pass to destroy. On failure nothing was started and *out_job is untouched.
   * `spec` is borrowed for the call; `sink` must stay valid until destroy returns.
   * Threads: any thread, concurrently for different jobs. */
  hodei_status (*start)(void *ctx, const hodei_job_spec *spec, const hodei_output_sink *sink, hodei_job **out_job,
                        hodei_error *err);

  /* Waits up to timeout_ms (-1 = no limit, 0 = poll) for the job to end. Returns HODEI_OK with *out filled once the
   * job ended and all its output was written to the sink; HODEI_ERR_TIMEOUT if it is still running. After it
   * returned HODEI_OK, further calls return HODEI_OK with the same result.
   * Threads: one waiter per job at a time; may run concurrently with cancel/signal on the same job. */
  hodei_status (*wait)(void *ctx, hodei_job *job, int64_t timeout_ms, hodei_job_result *out, hodei_error *err);

  /* Asks the job to stop. GRACEFUL: the running step gets a polite stop (SIGTERM to its whole process group), then
   * FORCE after grace_ms. FORCE: kill now. Returns at once without waiting; wait reports OUTCOME_CANCELLED. No
   * further steps start after a cancel. Idempotent; a cancel of an ended job is HODEI_OK.
   * Threads: any thread, concurrently with wait. */
  hodei_status (*cancel)(void *ctx, hodei_job *job, int32_t mode, uint32_t grace_ms, hodei_error *err);

  /* Releases the job: kills anything still running (force), reaps it, frees every resource (processes, fds,
   * containers, temp files). After it returns the plugin never touches the job's sink again. Must not fail.
   * Threads: any thread, once, after every other call on this job returned. */
  void (*destroy)(void *ctx, hodei_job *job);

  /* ---- optional, each guarded by a capability bit ---- */

  /* HODEI_CAP_EXECUTOR_SIGNAL: sends `signo` (POSIX numbering) to the running step. HODEI_ERR_NOT_FOUND when no
   * step is running; HODEI_ERR_INVALID_ARGUMENT for a bad signal number. Threads: any. */
  hodei_status (*signal)(void *ctx, hodei_job *job, int32_t signo, hodei_error *err);

  /* HODEI_CAP_EXECUTOR_RECOVER: writes an opaque handle (bytes the plugin can later re-attach from, e.g. a
   * container id) into `buf` of `capacity`, its length into *out_len; HODEI_ERR_RESOURCE_EXHAUSTED with *out_len
   * set when too small. The host journals it so a restarted worker can call recover. Threads: any. */
  hodei_status (*get_handle)(void *ctx, hodei_job *job, uint8_t *buf, size_t capacity, size_t *out_len,
                             hodei_error *err);

  /* HODEI_CAP_EXECUTOR_RECOVER: re-attaches to a job that outlived a previous worker process. Output resumes
   * through `sink` (kept until destroy). HODEI_ERR_NOT_FOUND when the job is gone. Threads: host's main thread. */
  hodei_status (*recover)(void *ctx, const uint8_t *handle, size_t handle_len, const hodei_output_sink *sink,
                          hodei_job **out_job, hodei_error *err);

  /* HODEI_CAP_EXECUTOR_FINGERPRINT: describes the execution environment as a JSON object (e.g. daemon and API
   * version, OS/arch) written into `buf`, for the worker to advertise at registration. Same buffer rules as
   * get_handle. Threads: any. */
  hodei_status (*fingerprint)(void *ctx, char *buf, size_t capacity, size_t *out_len, hodei_error *err);
} hodei_executor_v1;

HODEI_STATIC_ASSERT(offsetof(hodei_executor_v1, struct_size) == 0, executor_struct_size_first);
HODEI_STATIC_ASSERT(offsetof(hodei_job_spec, struct_size) == 0, job_spec_struct_size_first);
HODEI_STATIC_ASSERT(offsetof(hodei_output_sink, struct_size) == 0, sink_struct_size_first);
HODEI_STATIC_ASSERT(sizeof(hodei_step_result) == 40, step_result_size);
HODEI_STATIC_ASSERT(sizeof(hodei_kv) == 2 * sizeof(void *), kv_frozen);

/* Sizes of the ABI 1.0 structs (see abi.h: readers accept any struct_size at least this large). */
#define HODEI_STEP_SPEC_V1_0_SIZE (offsetof(hodei_step_spec, working_dir) + sizeof(void *))
#define HODEI_JOB_SPEC_V1_0_SIZE (offsetof(hodei_job_spec, options_json) + sizeof(void *))
#define HODEI_STEP_RESULT_V1_0_SIZE (offsetof(hodei_step_result, reserved0) + sizeof(uint32_t))
#define HODEI_JOB_RESULT_V1_0_SIZE (offsetof(hodei_job_result, message) + 512)
#define HODEI_OUTPUT_SINK_V1_0_SIZE (offsetof(hodei_output_sink, step_finished) + sizeof(void *))
#define HODEI_EXECUTOR_V1_0_SIZE (offsetof(hodei_executor_v1, fingerprint) + sizeof(void *))

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HODEI_EXECUTOR_H */
