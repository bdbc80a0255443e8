/*
 * dev.example.executor.c-shell: a minimal executor in plain C99 against <hodei/plugin_api.h>, without the C++ SDK.
 *
 * Runs each step with /bin/sh -c in its own process group and passes its stdout and stderr through unchanged.
 * Everything an executor owes the host is here, in about 400 lines: a job thread, graceful-then-force cancel,
 * destroy that kills and reaps, wait with a timeout, and refusal of job options it does not know.
 */
#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np, pipe2 */

#include <errno.h>
#include <fcntl.h>
#include <hodei/plugin_api.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ------------------------------------------------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------------------------------------------- */

static void set_error(hodei_error *err, const char *text) {
  size_t n;
  if (err == NULL || err->message == NULL || err->capacity == 0) return;
  n = strlen(text);
  if (n >= err->capacity) n = err->capacity - 1;
  memcpy(err->message, text, n);
  err->message[n] = '\0';
}

static char *copy_string(const char *s) {
  size_t n = strlen(s != NULL ? s : "") + 1;
  char *out = malloc(n);
  if (out != NULL) memcpy(out, s != NULL ? s : "", n);
  return out;
}

static int64_t now_ms(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* options_json must be an empty object: this executor has no job options. */
static int options_are_empty(const char *json) {
  const char *p = json != NULL ? json : "{}";
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') ++p;
  if (*p++ != '{') return 0;
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') ++p;
  if (*p++ != '}') return 0;
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') ++p;
  return *p == '\0';
}

/* ------------------------------------------------------------------------------------------------------------
 * A job: an owned copy of the spec, the step thread, and the state cancel and wait share (under `mutex`).
 * ---------------------------------------------------------------------------------------------------------- */

typedef struct step_copy {
  char *run;
  char *dir;  /* absolute working folder */
  char **env; /* "NAME=value", NULL-terminated: the worker's environment plus the job's and the step's variables */
  int continue_on_error;
} step_copy;

struct hodei_job {
  hodei_output_sink sink; /* a copy of the host's struct: valid until destroy returns */
  step_copy *steps;
  uint32_t step_count;

  pthread_t thread;
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  int cancelled;
  int done;
  pid_t pid;          /* process group of the running step, 0 when none */
  int64_t kill_at_ms; /* graceful cancel: SIGKILL at this monotonic time, 0 when not armed */
  hodei_job_result result;
};

static char **build_env(const hodei_job_spec *spec, const hodei_step_spec *step) {
  size_t base = 0, i, n = 0;
  size_t total;
  char **env;
  while (environ[base] != NULL) ++base;
  total = base + spec->env_count + spec->secret_count + step->env_count + 1;
  env = calloc(total, sizeof(char *));
  if (env == NULL) return NULL;
  for (i = 0; i < base; ++i) env[n++] = copy_string(environ[i]);
#define ADD_VARS(array, count)                                                                                         \
  for (i = 0; i < (count); ++i) {                                                                                      \
    size_t len = strlen((array)[i].key) + strlen((array)[i].value) + 2;                                                \
    env[n] = malloc(len);                                                                                              \
    if (env[n] != NULL) snprintf(env[n++], len, "%s=%s", (array)[i].key, (array)[i].value);                            \
  }
  ADD_VARS(spec->env, spec->env_count)
  ADD_VARS(spec->secrets, spec->secret_count)
  ADD_VARS(step->env, step->env_count)
#undef ADD_VARS
  env[n] = NULL;
  /* A later definition of a name overrides an earlier one: drop every entry some later entry redefines. */
  {
    size_t kept = 0, j;
    for (i = 0; i < n; ++i) {
      size_t name_len = strcspn(env[i], "=");
      int overridden = 0;
      for (j = i + 1; j < n && !overridden; ++j) {
        overridden = strncmp(env[i], env[j], name_len) == 0 && env[j][name_len] == '=';
      }
      if (overridden)
        free(env[i]);
      else
        env[kept++] = env[i];
    }
    env[kept] = NULL;
  }
  return env;
}

static void free_job(hodei_job *job) {
  uint32_t i;
  char **e;
  for (i = 0; i < job->step_count; ++i) {
    free(job->steps[i].run);
    free(job->steps[i].dir);
    for (e = job->steps[i].env; e != NULL && *e != NULL; ++e) free(*e);
    free(job->steps[i].env);
  }
  free(job->steps);
  pthread_mutex_destroy(&job->mutex);
  pthread_cond_destroy(&job->cond);
  free(job);
}

/* Runs one step; returns 0 and fills *status, or -1 when it could not start (-2 when cancelled before). */
static int run_step(hodei_job *job, const step_copy *step, int *status) {
  int out[2], err[2], rc, open_fds = 2, reaped = 0, k;
  pid_t pid = 0;
  char *argv[4];
  char buf[16384];
  struct pollfd fds[2];
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t none, defaults;

  if (pipe2(out, O_CLOEXEC) != 0) return -1;
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return -1;
  }
  argv[0] = "/bin/sh";
  argv[1] = "-c";
  argv[2] = step->run;
  argv[3] = NULL;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawn_file_actions_addchdir_np(&actions, step->dir);
  posix_spawnattr_init(&attr);
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pthread_mutex_lock(&job->mutex); /* no cancel can slip between this check and the spawn */
  if (job->cancelled)
    rc = -2;
  else
    rc = posix_spawn(&pid, argv[0], &actions, &attr, argv, step->env) == 0 ? 0 : -1;
  if (rc == 0) job->pid = pid;
  pthread_mutex_unlock(&job->mutex);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    return rc;
  }

  fds[0].fd = out[0];
  fds[1].fd = err[0];
  fds[0].events = fds[1].events = POLLIN;
  while (open_fds > 0) {
    fds[0].revents = fds[1].revents = 0;
    (void)poll(fds, 2, 50);
    for (k = 0; k < 2; ++k) {
      ssize_t n;
      if (fds[k].fd < 0 || fds[k].revents == 0) continue;
      n = read(fds[k].fd, buf, sizeof buf);
      if (n > 0) {
        /* May block (host backpressure). HODEI_ERR_CANCELLED: the host takes no more; the bytes were taken. */
        if (job->sink.write(job->sink.sink_ctx, k == 0 ? HODEI_STREAM_STDOUT : HODEI_STREAM_STDERR,
                            (const uint8_t *)buf, (size_t)n) != HODEI_OK) {
          pthread_mutex_lock(&job->mutex);
          job->cancelled = 1;
          kill(-pid, SIGKILL);
          pthread_mutex_unlock(&job->mutex);
        }
      } else if (n == 0 || errno != EINTR) {
        close(fds[k].fd);
        fds[k].fd = -1;
        --open_fds;
      }
    }
    pthread_mutex_lock(&job->mutex); /* graceful cancel: escalate to SIGKILL once grace_ms passed */
    if (job->kill_at_ms != 0 && now_ms(CLOCK_MONOTONIC) >= job->kill_at_ms) {
      kill(-pid, SIGKILL);
      job->kill_at_ms = 0;
    }
    pthread_mutex_unlock(&job->mutex);
    if (!reaped && waitpid(pid, status, WNOHANG) == pid) {
      reaped = 1;
      kill(-pid, SIGKILL); /* background leftovers of the step die with it */
    }
  }
  if (!reaped) {
    while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
    }
  }
  pthread_mutex_lock(&job->mutex);
  job->pid = 0;
  job->kill_at_ms = 0;
  pthread_mutex_unlock(&job->mutex);
  return 0;
}

static void *job_thread(void *arg) {
  hodei_job *job = arg;
  hodei_job_result r;
  uint32_t i;
  memset(&r, 0, sizeof r);
  r.struct_size = sizeof r;
  r.outcome = HODEI_OUTCOME_SUCCEEDED;
  r.exit_code = -1;
  for (i = 0; i < job->step_count; ++i) {
    hodei_step_result s;
    int status = 0, rc, cancelled;
    int64_t begin = now_ms(CLOCK_MONOTONIC);
    pthread_mutex_lock(&job->mutex);
    cancelled = job->cancelled;
    pthread_mutex_unlock(&job->mutex);
    if (cancelled) {
      r.outcome = HODEI_OUTCOME_CANCELLED;
      break;
    }
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    s.step_index = i;
    s.started_unix_ms = now_ms(CLOCK_REALTIME);
    job->sink.step_started(job->sink.sink_ctx, i);
    rc = run_step(job, &job->steps[i], &status);
    s.exit_code = rc == 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    s.term_signal = rc == 0 && WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    s.duration_ms = now_ms(CLOCK_MONOTONIC) - begin;
    job->sink.step_finished(job->sink.sink_ctx, &s);
    if (rc == -2) {
      r.outcome = HODEI_OUTCOME_CANCELLED;
      break;
    }
    if (rc != 0) {
      r.outcome = HODEI_OUTCOME_ERROR;
      snprintf(r.message, sizeof r.message, "step %u: cannot start /bin/sh: %s", (unsigned)i, strerror(errno));
      break;
    }
    ++r.steps_run;
    r.exit_code = s.exit_code;
    r.term_signal = s.term_signal;
    pthread_mutex_lock(&job->mutex);
    cancelled = job->cancelled;
    pthread_mutex_unlock(&job->mutex);
    if (cancelled) {
      r.outcome = HODEI_OUTCOME_CANCELLED;
      break;
    }
    if ((s.exit_code != 0 || s.term_signal != 0) && !job->steps[i].continue_on_error) {
      r.outcome = HODEI_OUTCOME_FAILED;
      break;
    }
  }
  pthread_mutex_lock(&job->mutex);
  job->result = r;
  job->done = 1;
  pthread_cond_broadcast(&job->cond);
  pthread_mutex_unlock(&job->mutex);
  return NULL;
}

/* ------------------------------------------------------------------------------------------------------------
 * hodei_executor_v1
 * ---------------------------------------------------------------------------------------------------------- */

static hodei_status ex_validate(void *ctx, const hodei_job_spec *spec, hodei_error *err) {
  char message[512];
  (void)ctx;
  if (spec == NULL || spec->struct_size < HODEI_JOB_SPEC_V1_0_SIZE) {
    set_error(err, "job spec: struct is smaller than ABI 1.0's");
    return HODEI_ERR_INVALID_ARGUMENT;
  }
  if (spec->workspace == NULL || spec->workspace[0] != '/') {
    set_error(err, "workspace: expected an absolute path");
    return HODEI_ERR_INVALID_ARGUMENT;
  }
  if (!options_are_empty(spec->options_json)) {
    snprintf(message, sizeof message, "c-shell: options: this executor takes no job options, got %.400s",
             spec->options_json);
    set_error(err, message);
    return HODEI_ERR_INVALID_ARGUMENT;
  }
  return HODEI_OK;
}

static hodei_status ex_start(void *ctx, const hodei_job_spec *spec, const hodei_output_sink *sink, hodei_job **out_job,
                             hodei_error *err) {
  hodei_job *job;
  uint32_t i;
  hodei_status st = ex_validate(ctx, spec, err);
  if (st != HODEI_OK) return st;
  job = calloc(1, sizeof *job);
  if (job == NULL) return HODEI_ERR_RESOURCE_EXHAUSTED;
  job->sink = *sink;
  job->steps = calloc(spec->step_count > 0 ? spec->step_count : 1, sizeof(step_copy));
  job->step_count = spec->step_count;
  pthread_mutex_init(&job->mutex, NULL);
  pthread_cond_init(&job->cond, NULL);
  for (i = 0; job->steps != NULL && i < spec->step_count; ++i) {
    const hodei_step_spec *s = &spec->steps[i];
    const char *wd = s->working_dir != NULL ? s->working_dir : "";
    size_t len = strlen(spec->workspace) + strlen(wd) + 2;
    job->steps[i].run = copy_string(s->run);
    job->steps[i].dir = malloc(len);
    if (job->steps[i].dir != NULL) snprintf(job->steps[i].dir, len, "%s%s%s", spec->workspace, *wd ? "/" : "", wd);
    job->steps[i].env = build_env(spec, s);
    job->steps[i].continue_on_error = s->continue_on_error != 0;
    if (job->steps[i].run == NULL || job->steps[i].dir == NULL || job->steps[i].env == NULL) break;
  }
  if (job->steps == NULL || i < spec->step_count) {
    job->step_count = job->steps == NULL ? 0 : i + 1;
    free_job(job);
    set_error(err, "out of memory");
    return HODEI_ERR_RESOURCE_EXHAUSTED;
  }
  if (pthread_create(&job->thread, NULL, job_thread, job) != 0) {
    free_job(job);
    set_error(err, "cannot create the job thread");
    return HODEI_ERR_RESOURCE_EXHAUSTED;
  }
  *out_job = job;
  return HODEI_OK;
}

static hodei_status ex_wait(void *ctx, hodei_job *job, int64_t timeout_ms, hodei_job_result *out, hodei_error *err) {
  struct timespec deadline;
  size_t n;
  (void)ctx, (void)err;
  pthread_mutex_lock(&job->mutex);
  if (timeout_ms >= 0) {
    clock_gettime(CLOCK_REALTIME, &deadline); /* pthread_cond_timedwait's default clock */
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) deadline.tv_sec += 1, deadline.tv_nsec -= 1000000000L;
  }
  while (!job->done) {
    if (timeout_ms < 0)
      pthread_cond_wait(&job->cond, &job->mutex);
    else if (pthread_cond_timedwait(&job->cond, &job->mutex, &deadline) == ETIMEDOUT)
      break;
  }
  if (!job->done) {
    pthread_mutex_unlock(&job->mutex);
    return HODEI_ERR_TIMEOUT;
  }
  /* Write only what fits the caller's struct (an older host may pass a smaller one); keep its struct_size. */
  n = out->struct_size < sizeof job->result ? out->struct_size : sizeof job->result;
  {
    uint32_t caller_size = out->struct_size;
    memcpy(out, &job->result, n);
    out->struct_size = caller_size;
  }
  pthread_mutex_unlock(&job->mutex);
  return HODEI_OK;
}

static hodei_status ex_cancel(void *ctx, hodei_job *job, int32_t mode, uint32_t grace_ms, hodei_error *err) {
  (void)ctx;
  if (mode != HODEI_CANCEL_GRACEFUL && mode != HODEI_CANCEL_FORCE) {
    set_error(err, "cancel: unknown mode");
    return HODEI_ERR_INVALID_ARGUMENT;
  }
  pthread_mutex_lock(&job->mutex);
  job->cancelled = 1;
  if (job->pid > 0) {
    if (mode == HODEI_CANCEL_FORCE) {
      kill(-job->pid, SIGKILL);
    } else {
      kill(-job->pid, SIGTERM);
      if (job->kill_at_ms == 0) job->kill_at_ms = now_ms(CLOCK_MONOTONIC) + grace_ms;
    }
  }
  pthread_mutex_unlock(&job->mutex);
  return HODEI_OK;
}

static void ex_destroy(void *ctx, hodei_job *job) {
  (void)ex_cancel(ctx, job, HODEI_CANCEL_FORCE, 0, NULL);
  pthread_join(job->thread, NULL); /* the thread reaps the step before it ends */
  free_job(job);
}

static const hodei_executor_v1 executor_table = {
    sizeof(hodei_executor_v1),
    0,
    ex_validate,
    ex_start,
    ex_wait,
    ex_cancel,
    ex_destroy,
    NULL,
    NULL,
    NULL,
    NULL, /* no optional capabilities: signal, get_handle, recover, fingerprint */
};

/* ------------------------------------------------------------------------------------------------------------
 * The plugin: descriptor, init/deinit, get_interface and the one exported symbol
 * ---------------------------------------------------------------------------------------------------------- */

static hodei_status plugin_init(const hodei_host_services *host, const char *config_json, void **out_ctx,
                                hodei_error *err) {
  if (!options_are_empty(config_json)) {
    set_error(err, "config: this plugin takes no settings; expected {}");
    return HODEI_ERR_INVALID_ARGUMENT;
  }
  if (host != NULL && host->log != NULL) host->log(host->host_ctx, HODEI_LOG_DEBUG, "c-shell executor ready");
  *out_ctx = NULL;
  return HODEI_OK;
}

static void plugin_deinit(void *ctx) { (void)ctx; }

static const void *plugin_get_interface(void *ctx, const char *interface_id) {
  (void)ctx;
  if (interface_id != NULL && strcmp(interface_id, HODEI_EXECUTOR_INTERFACE_V1) == 0) return &executor_table;
  return NULL; /* unknown ids: NULL, never an error */
}

static const hodei_plugin_descriptor descriptor = {
    sizeof(hodei_plugin_descriptor),
    HODEI_KIND_EXECUTOR,
    0, /* capabilities */
    "dev.example.executor.c-shell",
    "C shell executor (example)",
    "1.0.0",
    "Runs steps with /bin/sh; written in plain C99",
    NULL, /* uri_schemes: executors have none */
    NULL, /* config_schema_json */
};

static const hodei_plugin plugin = {
    HODEI_PLUGIN_MAGIC, sizeof(hodei_plugin), HODEI_ABI_MAJOR, 0 /* requires ABI 1.0 */,
    &descriptor,        plugin_init,          plugin_deinit,   plugin_get_interface,
};

HODEI_EXPORT const hodei_plugin *hodei_plugin_entry(void) { return &plugin; }
