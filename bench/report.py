#!/usr/bin/env python3
"""Result rows of the benchmarks and the report built from them (bench/README.md).

  report.py row KEY=VALUE...        append one row (JSON line) to $BENCH_ROWS, or print it when unset
  report.py render ROWS OUT_DIR [--meta-env FILE]
                                    write OUT_DIR/results.json and OUT_DIR/results.md from the rows and the machine
  report.py check OUT_DIR           exit 1 unless both files are there and well-formed (not the figures)

Row keys: section, benchmark, figure, unit, better (higher|lower), baseline, baseline_figure, target
("ratio >= 0.5", "figure <= 5": checked here), note, skipped (a reason: the row is not measured), error (the
benchmark failed). ratio is figure / baseline_figure, computed here, so that every row reads the same way; status
is pass, miss, "-" (no target), skipped or error.
"""
import json
import operator
import os
import platform
import re
import subprocess
import sys

ROW_KEYS = ["section", "benchmark", "figure", "unit", "better", "baseline", "baseline_figure", "ratio", "target",
            "status", "note"]
STATUSES = {"pass", "miss", "-", "skipped", "error"}
OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
HEADER_KEYS = ["started_utc", "wall_seconds", "smoke", "build_dir", "build_type", "machine", "load_average",
               "versions", "settings"]


def fail(msg):
    print(f"report.py: {msg}", file=sys.stderr)
    sys.exit(1)


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def check_target(target, figure, ratio):
    m = re.fullmatch(r"\s*(ratio|figure)\s*(>=|<=|>|<)\s*([0-9.]+)\s*", target)
    if not m:
        fail(f"target '{target}': expected 'ratio|figure OP NUMBER' with OP one of >= <= > <")
    value = ratio if m.group(1) == "ratio" else figure
    if value is None:
        return "miss"
    return "pass" if OPS[m.group(2)](value, float(m.group(3))) else "miss"


def make_row(pairs):
    row = {k: None for k in ROW_KEYS}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            fail(f"row argument '{pair}': expected KEY=VALUE")
        if key not in ROW_KEYS + ["skipped", "error"] or key in ("ratio", "status"):
            fail(f"row argument '{pair}': unknown key '{key}'")
        row[key] = value
    for key in ("section", "benchmark"):
        if not row[key]:
            fail(f"row: '{key}' is required")
    for status in ("skipped", "error"):
        reason = row.pop(status, None)
        if reason is not None:
            row.update(figure=None, baseline_figure=None, status=status, note=reason)
            return row
    row["figure"] = number(row["figure"])
    if row["figure"] is None:
        fail(f"row {row['benchmark']}: figure is not a number")
    if row["baseline_figure"] is not None:
        row["baseline_figure"] = number(row["baseline_figure"])
    if row["figure"] is not None and row["baseline_figure"]:
        row["ratio"] = round(row["figure"] / row["baseline_figure"], 3)
    row["status"] = check_target(row["target"], row["figure"], row["ratio"]) if row["target"] else "-"
    return row


def cmd_row(args):
    line = json.dumps(make_row(args))
    path = os.environ.get("BENCH_ROWS")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    else:
        print(line)


def run(argv, env=None):
    """First line of a command's output, or a note saying why there is none."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=20, env=env)
    except FileNotFoundError:
        return "not installed"
    except subprocess.TimeoutExpired:
        return "timed out"
    out = (p.stdout.strip() or p.stderr.strip()).splitlines()
    return out[0].strip() if out and p.returncode == 0 else f"unavailable (exit {p.returncode})"


def read_file(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def machine():
    cpuinfo = read_file("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", read_file("/proc/meminfo"), re.M)
    return {"cpu": model.group(1) if model else platform.processor(), "cores": os.cpu_count(),
            "ram_gib": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
            "kernel": platform.release(), "hostname": platform.node()}


def dpkg_version(package):
    return run(["dpkg-query", "-W", "-f", "${Version}", package])


def versions(meta):
    build = meta.get("build_dir", "build/release")
    docker_env = dict(os.environ)
    return {
        "hodei-worker": run([os.path.join(build, "bin", "hodei-worker"), "--version"]),
        "git": run(["git", "describe", "--always", "--dirty", "--abbrev=12"]),
        "gcc": run(["gcc", "--version"]),
        "grpc": dpkg_version("libgrpc++1.51"),
        "protobuf": dpkg_version("libprotobuf32"),
        "docker": (run(["/usr/bin/docker", "version", "--format", "{{.Server.Version}}"], env=docker_env)
                   if os.environ.get("DOCKER_HOST") else "docker.io " + dpkg_version("docker.io")),
        "radosgw": run(["radosgw", "--version"]),
        "aws-cli": run(["/usr/bin/aws" if os.path.exists("/usr/bin/aws") else "aws", "--version"]),
        "python3": platform.python_version(),
    }


def build_type(build_dir):
    try:
        cache = read_file(os.path.join(build_dir, "CMakeCache.txt"))
    except OSError:
        return "unknown (no CMakeCache.txt)"
    m = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", cache, re.M)
    return m.group(1) if m else "unknown"


def load_meta_env(path):
    """KEY=VALUE lines written by bench.sh: the run's settings and timings."""
    meta = {}
    for line in read_file(path).splitlines():
        key, sep, value = line.partition("=")
        if sep:
            meta[key] = value
    return meta


def fmt(value):
    if value is None:
        return ""
    if isinstance(value, float):
        if value == int(value) and abs(value) >= 100:
            return f"{int(value)}"
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def md_cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_md(doc):
    m = doc["machine"]
    lines = [f"# Hodei Worker benchmarks, {doc['started_utc']}" + (" (smoke: tiny sizes, figures meaningless)"
                                                                     if doc["smoke"] else ""), ""]
    lines += [f"- machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, kernel {m['kernel']}",
              f"- load average (1/5/15 min): before {doc['load_average']['before']}, "
              f"after {doc['load_average']['after']}",
              f"- build: {doc['build_type']} ({doc['build_dir']}); wall time {doc['wall_seconds']} s",
              "- versions: " + "; ".join(f"{k} {v}" for k, v in doc["versions"].items()),
              "- settings: " + (", ".join(f"{k}={v}" for k, v in doc["settings"].items()) or "defaults"), "",
              "ratio = figure / baseline figure; `better` says which way is good for the figure.", "",
              "| benchmark | figure | unit | better | baseline | baseline figure | ratio | target | result | note |",
              "|---|---:|---|---|---|---:|---:|---|---|---|"]
    for r in doc["rows"]:
        cells = [f"{r['section']}: {r['benchmark']}", fmt(r["figure"]), r["unit"] or "", r["better"] or "",
                 r["baseline"] or "", fmt(r["baseline_figure"]), fmt(r["ratio"]), r["target"] or "", r["status"],
                 r["note"] or ""]
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def cmd_render(args):
    if len(args) < 2:
        fail("usage: report.py render ROWS OUT_DIR [--meta-env FILE]")
    rows_path, out_dir = args[0], args[1]
    meta = load_meta_env(args[3]) if len(args) >= 4 and args[2] == "--meta-env" else {}
    rows = []
    if os.path.exists(rows_path):
        for n, line in enumerate(read_file(rows_path).splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    fail(f"{rows_path}:{n}: not JSON ({e})")
    build_dir = meta.pop("build_dir", "build/release")
    doc = {
        "started_utc": meta.pop("started_utc", ""),
        "wall_seconds": number(meta.pop("wall_seconds", None)),
        "smoke": meta.pop("smoke", "0") == "1",
        "build_dir": build_dir,
        "build_type": build_type(build_dir),
        "machine": machine(),
        "load_average": {"before": meta.pop("load_before", ""), "after": meta.pop("load_after", "")},
        "versions": versions({"build_dir": build_dir}),
        "settings": meta,
        "rows": rows,
    }
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "results.md"), "w", encoding="utf-8") as f:
        f.write(render_md(doc))


def cmd_check(args):
    if len(args) != 1:
        fail("usage: report.py check OUT_DIR")
    out_dir = args[0]
    try:
        doc = json.loads(read_file(os.path.join(out_dir, "results.json")))
        md = read_file(os.path.join(out_dir, "results.md"))
    except (OSError, json.JSONDecodeError) as e:
        fail(f"{out_dir}: {e}")
    missing = [k for k in HEADER_KEYS + ["rows"] if k not in doc]
    if missing:
        fail(f"results.json: missing {', '.join(missing)}")
    if not doc["rows"]:
        fail("results.json: no rows")
    for i, r in enumerate(doc["rows"]):
        where = f"results.json: rows[{i}] ({r.get('benchmark')})"
        if set(r) != set(ROW_KEYS):
            fail(f"{where}: keys {sorted(r)}, expected {sorted(ROW_KEYS)}")
        if r["status"] not in STATUSES:
            fail(f"{where}: status '{r['status']}' not one of {sorted(STATUSES)}")
        if r["status"] not in ("skipped", "error") and not isinstance(r["figure"], (int, float)):
            fail(f"{where}: figure is not a number")
    table = [l for l in md.splitlines() if l.startswith("| ") and not l.startswith("| benchmark |")]
    if len(table) != len(doc["rows"]):
        fail(f"results.md: {len(table)} table rows, results.json has {len(doc['rows'])}")
    print(f"{out_dir}: {len(doc['rows'])} rows, "
          f"{sum(r['status'] == 'skipped' for r in doc['rows'])} skipped: well-formed")


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("row", "render", "check"):
        fail("usage: report.py row KEY=VALUE... | render ROWS OUT_DIR [--meta-env FILE] | check OUT_DIR")
    {"row": cmd_row, "render": cmd_render, "check": cmd_check}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
