#!/usr/bin/env python3
"""Writes the binary seed corpora of fuzz/corpus/: docker_demux (Docker stream frames) and worker_protocol /
devserver_protocol (serialized protobuf messages, encoded from the text-format messages below with
`protoc --encode`). Run from anywhere after changing the messages or the .proto files:
    fuzz/seeds/make_seeds.py
Needs protoc (protobuf-compiler, a build dependency). Output files are committed; the fuzzers never write here
unless scripts/fuzz.sh --merge is used."""
import os
import pathlib
import struct
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fuzz" / "corpus"
PROTO_DIR = ROOT / "proto"
PROTO = "hodei/worker/v1/executor.proto"

SPEC = """
  name: "hello" executor: "shell"
  env { key: "GREETING" value: "hello" }
  secrets { key: "API_TOKEN" value: "hodei-example-token-1234" }
  timeout_seconds: 60 cancel_grace_ms: 10000 working_directory: "src"
  workspace_cleanup: WORKSPACE_CLEANUP_ALWAYS
  steps { name: "greet" run: "echo \\"$GREETING\\"" }
  steps { name: "lint" run: "exit 3" continue_on_error: true env { key: "LINT_SCOPE" value: "src" } working_dir: "a" }
  inputs { uri: "s3://bucket/in.tar" sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" path: "in.tar" }
  outputs { path: "out/report.txt" uri: "file:///tmp/out/report.txt" on_failure: true }
  executor_options_json { key: "docker" value: "{\\"image\\":\\"debian:bookworm\\"}" }
"""

SERVER_MESSAGES = {
    "assignment": f'assignment {{ lease {{ job_id: "job-1" lease_epoch: 1 }} spec {{ {SPEC} }} assigned_unix_ms: 1764240911475 }}',
    "assignment-minimal": 'assignment { lease { job_id: "job-7" lease_epoch: 3 } spec { name: "j" executor: "dev.hodei.executor.shell" steps { name: "s" run: "true" } } }',
    "cancel": 'cancel { lease { job_id: "job-1" lease_epoch: 1 } reason: "operator" grace_ms: 5000 }',
    "cancel-huge-grace": 'cancel { lease { job_id: "job-1" lease_epoch: 1 } grace_ms: 18446744073709551615 }',
    "log-ack": 'log_ack { lease { job_id: "job-1" lease_epoch: 1 } stream: LOG_STREAM_STDERR committed_offset: 4096 }',
    "resume-ack": 'resume_ack { jobs { lease { job_id: "job-1" lease_epoch: 2 } action: RESUME_ACTION_CONTINUE log_acks { stream: LOG_STREAM_STDOUT committed_offset: 10 } } jobs { lease { job_id: "job-2" lease_epoch: 1 } action: RESUME_ACTION_FORGET reason: "done" } }',
    "result-ack": 'result_ack { lease { job_id: "job-1" lease_epoch: 1 } }',
    "drain": 'drain { reason: "maintenance" }',
    "refused": 'refused { lease { job_id: "job-1" lease_epoch: 1 } code: REFUSAL_CODE_LOG_GAP reason: "expected offset 0" event: "log" }',
}

LEASE = 'lease { job_id: "job-1" lease_epoch: 1 }'
RESUME = "resume { }"
CREDITS = "credits { free_slots: 2 assignments_received: 0 }"
ACCEPT = f"accept {{ {LEASE} accepted_unix_ms: 1764240911475 }}"
RUNNING = f'status {{ {LEASE} phase: JOB_PHASE_RUNNING step_index: 0 step_name: "s" timestamp_unix_ms: 1764240911500 }}'
LOG_OUT = f'log {{ {LEASE} stream: LOG_STREAM_STDOUT offset: 0 data: "hello\\n" }}'
LOG_ERR = f'log {{ {LEASE} stream: LOG_STREAM_STDERR offset: 0 data: "warn\\n" }}'
FINISHED = (f"finished {{ {LEASE} result {{ outcome: JOB_OUTCOME_SUCCEEDED exit_code: 0 "
            'steps { index: 0 name: "s" outcome: STEP_OUTCOME_SUCCEEDED exit_code: 0 } '
            "started_unix_ms: 1764240911500 finished_unix_ms: 1764240912000 "
            "log_lengths { stream: LOG_STREAM_STDOUT length: 6 } log_lengths { stream: LOG_STREAM_STDERR length: 5 } "
            "log_lengths { stream: LOG_STREAM_SYSTEM length: 0 } } }")

STREAMS = {
    "job-succeeds": [RESUME, CREDITS, ACCEPT, RUNNING, LOG_OUT, LOG_ERR, FINISHED, CREDITS],
    "job-rejected": [RESUME, CREDITS, f'reject {{ {LEASE} code: REJECT_CODE_NO_CAPACITY reason: "full" }}'],
    "resume-held-job": [f"resume {{ jobs {{ {LEASE} phase: JOB_PHASE_RUNNING have {{ stream: LOG_STREAM_STDOUT length: 6 }} }} }}",
                        LOG_OUT],
    "log-gap": [RESUME, CREDITS, ACCEPT, f'log {{ {LEASE} stream: LOG_STREAM_STDOUT offset: 9 data: "x" }}'],
    "stale-epoch": [RESUME, CREDITS, 'accept { lease { job_id: "job-1" lease_epoch: 7 } }'],
    "job-succeeds-batched": [RESUME, f"batch {{ messages {{ {CREDITS} }} }}",
                             f"batch {{ messages {{ {ACCEPT} }} messages {{ {RUNNING} }} messages {{ {LOG_OUT} }} "
                             f"messages {{ {LOG_ERR} }} messages {{ {FINISHED} }} messages {{ {CREDITS} }} }}"],
    "batch-refusals": [RESUME, "batch { }", f"batch {{ messages {{ hello {{ }} }} messages {{ {RESUME} }} "
                       f"messages {{ batch {{ messages {{ {CREDITS} }} }} }} messages {{ {CREDITS} }} }}"],
    "malformed": [CREDITS, RESUME, RESUME, "hello { }", "", 'status { lease { job_id: "job-1" lease_epoch: 1 } phase: JOB_PHASE_RUNNING }'],
}


def encode(message_type: str, text: str) -> bytes:
    return subprocess.run(["protoc", f"--encode={message_type}", f"-I{PROTO_DIR}", PROTO], input=text.encode(),
                          stdout=subprocess.PIPE, check=True, cwd=ROOT).stdout


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxI", stream, len(payload)) + payload


def write(target: str, name: str, data: bytes) -> None:
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def main() -> None:
    for name, text in SERVER_MESSAGES.items():
        write("worker_protocol", name + ".pb", encode("hodei.worker.v1.ServerMessage", text))
    for name, messages in STREAMS.items():
        records = b""
        for text in messages:
            body = encode("hodei.worker.v1.WorkerMessage", text)
            records += b"\x0a" + varint(len(body)) + body
        write("devserver_protocol", name + ".bin", records)
    # docker_demux: first byte = how the rest is cut into reads (0 = at once, n = cycling 1..n bytes).
    exec_output = frame(1, b"hello\n") + frame(2, b"warning: x\n") + frame(1, b"") + frame(1, b"done\n")
    write("docker_demux", "exec-output-whole", b"\x00" + exec_output)
    write("docker_demux", "exec-output-bytewise", b"\x01" + exec_output)
    write("docker_demux", "exec-output-cut7", b"\x07" + exec_output)
    write("docker_demux", "daemon-error", b"\x03" + frame(3, b"OCI runtime exec failed: exec: \"sh\": not found\n"))
    write("docker_demux", "truncated-frame", b"\x00" + frame(1, b"0123456789")[:12])
    write("docker_demux", "tty-stream", b"\x00" + b"root@c0ffee:/# ls\r\n")
    write("docker_demux", "large-frame", b"\x05" + frame(2, bytes(range(256)) * 16) + frame(0, b"in"))


if __name__ == "__main__":
    os.umask(0o022)
    main()
