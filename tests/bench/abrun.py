#!/usr/bin/env python3
"""Interleaved A/B/C/D runner: wall, user and system time of commands.

abrun.py --out FILE [--rounds N] [--max-rounds N --budget SECONDS]
         [--warmup N [--warmup-first] [--warmup-also REGEX]] [--capture]
         [--strace DIR] [--stats DIR] [--errdir DIR] < SPEC

SPEC has one line per (benchmark, configuration), tab-separated:
    BENCH  CONFIG  CWD  PREPARE  COMMAND
PREPARE is a shell command run (untimed) in CWD before every run of that
line, or "-" for none.  COMMAND is split like a shell word list (no shell
is started, so none is timed); leading NAME=VALUE words set environment
variables, as with env(1).

For each benchmark, in the order of SPEC: WARMUP rounds (recorded as
round "w"; with --warmup-first only its first configuration runs, and
those whose name matches --warmup-also: a configuration whose cache
lives on between runs, such as a daemon's, is brought to its warm state
like the plain one), then ROUNDS rounds, then more rounds (up to MAX_ROUNDS in
all) while the benchmark's timed rounds so far, plus one more, fit in
BUDGET seconds: cheap benchmarks get more runs at little cost.  A round runs every configuration once;
round r starts at configuration r (mod the number of configurations), so
each configuration runs first, second, ... equally often (ABCD BCDA ...).
Each run is timed from just before its fork to the return of wait4(),
whose rusage gives the user and system time of the whole process tree.

With --strace DIR, after a benchmark's rounds every configuration runs
once more under `strace -f -c -o DIR/BENCH.CONFIG.txt` (after PREPARE),
tracing only the path-lookup calls and namecache's own (TRACED) through a
seccomp filter, so that the other calls of a build run at full speed.
With --stats DIR, after that, every configuration but "plain*" runs once
more with NAMECACHE_STATS=DIR/BENCH.CONFIG.rec (after PREPARE), so that
its statistics records (hits, lookups not answered and why) are those of
one run, untimed and without changing the timed runs.
With --capture, the first line of each run's standard output is recorded
(the micro benchmark's result line); otherwise output is discarded.
Standard error goes to ERRDIR/BENCH.CONFIG.err (the last run's); a run
that exits non-zero stops everything, showing that file.

Output: one tab-separated line per run:
    bench config round wall_s user_s sys_s captured
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import time

# Path lookups (what namecache can answer) and what namecache itself calls.
TRACED = ("newfstatat", "statx", "stat", "lstat", "access", "faccessat",
          "faccessat2", "readlink", "readlinkat", "open", "openat", "getcwd",
          "epoll_wait", "epoll_create1", "epoll_ctl", "inotify_init1",
          "inotify_add_watch", "inotify_rm_watch", "statfs", "fcntl")

ENV_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def parse_spec(stream):
    """Read SPEC: an ordered dict bench -> list of config entries."""
    benches = {}
    for n, line in enumerate(stream, 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) != 5:
            sys.exit("abrun: spec line %d: need 5 tab-separated fields" % n)
        bench, config, cwd, prepare, command = f
        words = shlex.split(command)
        env = {}
        while words and ENV_WORD.match(words[0]):
            k, v = words.pop(0).split("=", 1)
            env[k] = v
        if not words:
            sys.exit("abrun: spec line %d: empty command" % n)
        benches.setdefault(bench, []).append({
            "bench": bench, "config": config, "cwd": cwd,
            "prepare": None if prepare == "-" else prepare,
            "argv": words, "env": env})
    return benches


def safe(name):
    """A file name for a benchmark or configuration name."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def prepare(entry):
    """Run the entry's PREPARE command, untimed."""
    if entry["prepare"]:
        subprocess.run(["/bin/sh", "-c", entry["prepare"]], check=True,
                       cwd=entry["cwd"], stdout=subprocess.DEVNULL)


def run_once(entry, errdir, capture, prefix=(), extra_env=None):
    """One timed run: (wall_s, user_s, sys_s, first stdout line)."""
    env = dict(os.environ)
    env.update(entry["env"])
    env.update(extra_env or {})
    errpath = os.path.join(errdir, "%s.%s.err" % (safe(entry["bench"]),
                                                 safe(entry["config"])))
    with open(errpath, "wb") as err:
        out = subprocess.PIPE if capture else subprocess.DEVNULL
        t0 = time.perf_counter_ns()
        p = subprocess.Popen(list(prefix) + entry["argv"], cwd=entry["cwd"],
                             env=env, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=err)
        data = p.stdout.read() if capture else b""
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.perf_counter_ns()
        p.returncode = os.waitstatus_to_exitcode(status)
        if capture:
            p.stdout.close()
    if p.returncode != 0:
        with open(errpath, "rb") as f:
            sys.stderr.write(f.read().decode(errors="replace")[-4000:])
        sys.exit("abrun: %s [%s] exited with %d: %s" % (
            entry["bench"], entry["config"], p.returncode,
            " ".join(shlex.quote(w) for w in entry["argv"])))
    line = data.decode(errors="replace").split("\n", 1)[0]
    return ((t1 - t0) / 1e9, ru.ru_utime, ru.ru_stime, line)


def median(v):
    """Median of a non-empty list."""
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def run_bench(entries, args, out):
    """Warmup, interleaved rounds, then the optional strace pass."""
    k = len(entries)
    walls = {e["config"]: [] for e in entries}
    plan = [("w", r) for r in range(args.warmup)]
    plan += [(str(r + 1), r) for r in range(max(args.rounds,
                                                  args.max_rounds))]
    done, spent = 0, 0.0
    for label, r in plan:
        if label != "w" and done >= args.rounds and (
                done >= args.max_rounds or
                spent / done * (done + 1) > args.budget):
            break
        t0 = time.perf_counter()
        for j in range(k):
            e = entries[(r + j) % k]
            if label == "w" and args.warmup_first and j > 0 and not (
                    args.warmup_also and
                    re.search(args.warmup_also, e["config"])):
                continue
            prepare(e)
            wall, user, system, line = run_once(e, args.errdir, args.capture)
            out.write("%s\t%s\t%s\t%.6f\t%.6f\t%.6f\t%s\n" % (
                e["bench"], e["config"], label, wall, user, system,
                line.replace("\t", " ")))
            if label != "w":
                walls[e["config"]].append(wall)
        if label != "w":
            done += 1
            spent += time.perf_counter() - t0
        out.flush()
    if args.strace:
        for e in entries:
            prepare(e)
            path = os.path.join(args.strace, "%s.%s.txt" % (
                safe(e["bench"]), safe(e["config"])))
            run_once(e, args.errdir, False,
                     ("strace", "-f", "--seccomp-bpf", "-c",
                      "-e", "trace=" + ",".join(TRACED), "-o", path, "--"))
    if args.stats:
        for e in entries:
            if e["config"].startswith("plain"):
                continue
            path = os.path.join(args.stats, "%s.%s.rec" % (
                safe(e["bench"]), safe(e["config"])))
            if os.path.exists(path):
                os.unlink(path)
            prepare(e)
            run_once(e, args.errdir, False,
                     extra_env={"NAMECACHE_STATS": os.path.abspath(path)})
    if args.rounds:
        sys.stderr.write("  %-28s %s\n" % (entries[0]["bench"], "  ".join(
            "%s %.4g" % (c, median(w)) for c, w in walls.items())))


def main():
    """Parse the options and run every benchmark of SPEC."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--warmup-first", action="store_true")
    ap.add_argument("--warmup-also")
    ap.add_argument("--max-rounds", type=int, default=0)
    ap.add_argument("--budget", type=float, default=0.0)
    ap.add_argument("--capture", action="store_true")
    ap.add_argument("--strace")
    ap.add_argument("--stats")
    ap.add_argument("--errdir", default=".")
    args = ap.parse_args()
    benches = parse_spec(sys.stdin)
    os.makedirs(args.errdir, exist_ok=True)
    for d in (args.strace, args.stats):
        if d:
            os.makedirs(d, exist_ok=True)
    with open(args.out, "w") as out:
        out.write("bench\tconfig\tround\twall_s\tuser_s\tsys_s\tcaptured\n")
        for entries in benches.values():
            run_bench(entries, args, out)


if __name__ == "__main__":
    main()
