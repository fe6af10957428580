#!/usr/bin/env python3
"""Turn the results of tests/bench/run.sh into tables and a report.

report.py --results DIR --template FILE --quick 0|1 --rounds N --warmup N
          --sizes "k=v ..." [--doc FILE]

Reads DIR/machine.tsv, DIR/micro.tsv, DIR/micro.spec, DIR/work.tsv,
DIR/work.spec, DIR/strace/*.txt, DIR/attachc.tsv, DIR/attach.tsv,
DIR/memory.tsv, DIR/daemon.tsv, DIR/builds.tsv, DIR/builds.spec and
DIR/records/*.rec (whichever exist), prints the tables
on standard output, writes the plot data DIR/plot-*.dat and, with --doc,
the report built from the template.  Every sentence of the summary is
derived from the numbers of this run.
"""
import argparse
import math
import os
import re

CONFIGS = ("plain", "off", "strict", "relaxed")
MODES = ("off", "strict", "relaxed")
# The workloads also run attached to a warm daemon (shared cache).
SHARED = ("shared-strict", "shared-relaxed")
WORK_CONFIGS = CONFIGS + SHARED
WORK_MODES = MODES + SHARED
CACHING = ("strict", "relaxed") + SHARED
LOOKUP_FAMILIES = ("stat", "lstat", "statx", "access", "readlink",
                   "realpath", "open", "fopen")
# Lookups answered by the real call because a change might be pending
# (docs/statistics.md): the strict check's doubt, from the queue of
# directories that receive writes (hot), the other queue (events, and
# draining while it is applied), a mount change not applied yet (mount),
# or a change seen during the walk.
DOUBT_REASONS = ("events", "draining", "mount", "hot", "changed")
# Lookups no cache answers: opens of existing files, unserved arguments.
NOT_ANSWERABLE = ("exists", "args")
CALLS = ("stat", "lstat", "statx", "access", "readlink", "realpath", "open",
         "fopen")
LOOKUP_SYSCALLS = ("newfstatat", "statx", "stat", "lstat", "fstatat64",
                   "access", "faccessat", "faccessat2", "readlink",
                   "readlinkat", "open", "openat", "getcwd")
PASS_THROUGH_BOUND = 1.10
MIN_CPU_S = 0.05
ALPHA = 0.05


def median(v):
    """Median of a non-empty list."""
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def safe(name):
    """The file-name form of a benchmark or configuration (as abrun.py)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def read_tsv(path):
    """Rows of a runner result file, warmup rounds dropped."""
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(head, line.rstrip("\n").split("\t")))
            if r["round"] != "w":
                rows.append(r)
    return rows


def read_spec(path):
    """bench -> config -> (cwd, prepare, command) from a runner spec."""
    spec = {}
    if not os.path.exists(path):
        return spec
    with open(path) as f:
        for line in f:
            b, c, cwd, prep, cmd = line.rstrip("\n").split("\t")
            spec.setdefault(b, {})[c] = (cwd, prep, cmd)
    return spec


def ordered(rows):
    """Benchmark names in the order they ran."""
    seen = []
    for r in rows:
        if r["bench"] not in seen:
            seen.append(r["bench"])
    return seen


def table(head, rows, align=None):
    """A markdown table."""
    align = align or ["l"] + ["r"] * (len(head) - 1)
    sep = ["---:" if a == "r" else "---" for a in align]
    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(sep) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def fmt_ratio(x):
    """A ratio as 1.02x."""
    return "%.2f×" % x


def fmt_ns(x):
    """Nanoseconds, 3 significant digits."""
    return "%.0f" % x if x >= 100 else "%.1f" % x


def fmt_ms(s):
    """Seconds as milliseconds, 3 significant digits."""
    ms = s * 1000
    if ms >= 100:
        return "%.0f" % ms
    if ms >= 10:
        return "%.1f" % ms
    return "%.2f" % ms


# ---- micro ----------------------------------------------------------------

def micro_cells(rows):
    """(call, shape, kind, threads) -> config -> {round: (ns, rate, scaling,
    floor)}.

    scaling is the run's own two-thread over one-thread throughput,
    measured segment by segment in the same process; floor the cost of a
    bare system call measured after each segment in the same process;
    either None when the run did not measure it."""
    cells = {}
    for r in rows:
        f = r["captured"].split()
        if len(f) not in (7, 8, 9):
            continue
        key = (f[0], int(f[1]), f[2], int(f[3]))
        extra = [None if x == "-" else float(x) for x in f[7:]]
        extra += [None] * (2 - len(extra))
        cells.setdefault(key, {}).setdefault(r["config"], {})[r["round"]] = (
            float(f[5]), float(f[6]), extra[0], extra[1])
    return cells


def paired(cell, mode, idx=0):
    """Per-round ratios mode/plain of one micro cell (paired by round)."""
    p, m = cell.get("plain", {}), cell.get(mode, {})
    return [m[r][idx] / p[r][idx] for r in p if r in m and p[r][idx] > 0]


def ratio_text(v):
    """Median of per-round ratios with their range."""
    if not v:
        return "–"
    return "%s (%.2f–%.2f)" % (fmt_ratio(median(v)), min(v), max(v))


def cell_ns(cell, config):
    """Median ns per call of one configuration of a cell."""
    v = [x[0] for x in cell.get(config, {}).values()]
    return median(v) if v else None


def cell_scaling(cell, config):
    """Median in-process scaling of one configuration, or None."""
    v = [x[2] for x in cell.get(config, {}).values() if x[2] is not None]
    return median(v) if v else None


def scaling_text(c1, c2, config):
    """Two threads over one: in-process and paired when measured (warm),
    else the ratio of the two cells' median throughputs (marked ~)."""
    s = cell_scaling(c2, config)
    if s is not None:
        v = [x[2] for x in c2[config].values() if x[2] is not None]
        return "%.2f× (%.2f–%.2f)" % (s, min(v), max(v))
    r1 = cell_rate(c1, config) if c1 else None
    r2 = cell_rate(c2, config)
    return "~%.2f×" % (r2 / r1) if r1 and r2 else "–"


def cell_rate(cell, config):
    """Median aggregate calls per second of one configuration."""
    v = [x[1] for x in cell.get(config, {}).values()]
    return median(v) if v else None


def micro_tables(cells):
    """The one-thread table, the two-thread table, the plot rows."""
    one, two, plot = [], [], []
    for call in CALLS:
        for shape in (3, 12):
            for kind in ("warm", "cold"):
                c1 = cells.get((call, shape, kind, 1))
                c2 = cells.get((call, shape, kind, 2))
                label = [call, "%d" % shape, kind]
                if c1:
                    row = label + [fmt_ns(cell_ns(c1, c)) if cell_ns(c1, c)
                                   else "–" for c in CONFIGS]
                    row += [ratio_text(paired(c1, m)) for m in MODES]
                    if kind == "warm":
                        row.append(" / ".join(
                            fmt_ratio(1 / median(paired(c1, m)))
                            if paired(c1, m) else "–"
                            for m in ("strict", "relaxed")))
                    else:
                        row.append("–")
                    one.append(row)
                    plot.append(['"%s %d %s"' % (call, shape, kind)] + [
                        "%.4f" % median(paired(c1, m)) if paired(c1, m)
                        else "NaN" for m in MODES])
                if c2:
                    row = label + [fmt_ns(cell_ns(c2, "plain") or 0)]
                    row += [ratio_text(paired(c2, m)) for m in MODES]
                    for c in CONFIGS:
                        row.append(scaling_text(c1, c2, c))
                    two.append(row)
    h1 = ["call", "path components", "kind", "plain ns", "off ns",
          "strict ns", "relaxed ns", "off ÷ plain", "strict ÷ plain",
          "relaxed ÷ plain", "hit speed-up strict / relaxed"]
    h2 = ["call", "path components", "kind", "plain ns per call",
          "off ÷ plain", "strict ÷ plain", "relaxed ÷ plain",
          "scaling plain", "scaling off", "scaling strict",
          "scaling relaxed"]
    return (table(h1, one, ["l", "r", "l"] + ["r"] * 8) if one else "",
            table(h2, two, ["l", "r", "l"] + ["r"] * 8) if two else "",
            plot)


def floors(cells):
    """Every floor measured in the run (ns)."""
    return [x[3] for c in cells.values() for cfg in c.values()
            for x in cfg.values() if x[3] is not None]


def min_floor(cells):
    """The cheapest bare system call of the run (median per run)."""
    return min(floors(cells))


def max_floor(cells):
    """The dearest bare system call of the run (median per run)."""
    return max(floors(cells))


# The cells of the strict-mode targets (3x: stat, lstat, access and
# failing open on 12 components), for the ceiling in the summary.
FLOOR_KEY_CALLS = ("stat", "lstat", "access", "open")


def floor_table(cells):
    """Strict hits against the one system call each makes: table, the
    (min, max) of strict minus floor over every cell, and of plain over
    floor over the 12-component cells of FLOOR_KEY_CALLS."""
    rows, above, ceiling = [], [], []
    for call in CALLS:
        for shape in (3, 12):
            c = cells.get((call, shape, "warm", 1))
            if not c or "strict" not in c or "plain" not in c:
                continue
            # Per round: the floor measured inside the strict run and
            # inside the plain run of that round.
            fs = [x[3] for x in c["strict"].values() if x[3] is not None]
            fp = [x[3] for x in c["plain"].values() if x[3] is not None]
            if not fs or not fp:
                continue
            s_ns, p_ns = cell_ns(c, "strict"), cell_ns(c, "plain")
            f_s, f_p = median(fs), median(fp)
            above.append(s_ns - f_s)
            if shape == 12 and call in FLOOR_KEY_CALLS:
                ceiling.append(p_ns / f_p)
            rows.append([call, "%d" % shape, fmt_ns(p_ns), fmt_ns(f_p),
                         fmt_ratio(p_ns / f_p), fmt_ns(s_ns), fmt_ns(f_s),
                         "%+.0f" % (s_ns - f_s), fmt_ratio(p_ns / s_ns)])
    if not rows:
        return "", None, None
    t = table(["call", "path components", "plain ns", "floor ns (plain run)",
               "plain ÷ floor: the most a one-call hit can gain",
               "strict ns", "floor ns (strict run)", "strict − floor ns",
               "strict speed-up"], rows, ["l", "r"] + ["r"] * 7)
    return t, (min(above), max(above)), \
        (min(ceiling), max(ceiling)) if ceiling else None


def stat_key(cells):
    """The pass-through cost of stat: table and one-line verdict."""
    rows, worst, first = [], None, None
    for threads in (1, 2):
        for shape in (3, 12):
            for kind in ("warm", "cold"):
                c = cells.get(("stat", shape, kind, threads))
                if not c or not paired(c, "off"):
                    continue
                v = paired(c, "off")
                m = median(v)
                worst = m if worst is None else max(worst, m)
                if first is None:
                    first = m
                rows.append(["%d" % threads, "%d" % shape, kind,
                             fmt_ns(cell_ns(c, "plain")),
                             fmt_ns(cell_ns(c, "off")), ratio_text(v),
                             "yes" if m <= PASS_THROUGH_BOUND else "**no**"])
    if not rows:
        return "", None, None
    t = table(["threads", "path components", "kind", "plain ns", "off ns",
               "off ÷ plain (range)", "≤ %.2f×" % PASS_THROUGH_BOUND],
              rows, ["r", "r", "l", "r", "r", "r", "l"])
    return t, first, worst


# ---- workloads --------------------------------------------------------------

def work_stats(rows):
    """bench -> config -> {wall: [...], user: [...], sys: [...]}."""
    w = {}
    for r in rows:
        d = w.setdefault(r["bench"], {}).setdefault(
            r["config"], {"wall": [], "user": [], "sys": []})
        d["wall"].append(float(r["wall_s"]))
        d["user"].append(float(r["user_s"]))
        d["sys"].append(float(r["sys_s"]))
    return w


def u_statistic(x, y):
    """Mann-Whitney U of y over x: pairs with y > x, ties counting half."""
    return sum((b > a) + 0.5 * (b == a) for a in x for b in y)


def u_null_counts(n1, n2):
    """Number of orderings giving each U (times 2) with no ties."""
    # ways[i][j] maps 2U -> count for samples of sizes i and j.
    ways = [[None] * (n2 + 1) for _ in range(n1 + 1)]
    for i in range(n1 + 1):
        for j in range(n2 + 1):
            if i == 0 or j == 0:
                ways[i][j] = {0: 1}
                continue
            d = {}
            # The largest element is from y (adds i to U) or from x.
            for u, c in ways[i][j - 1].items():
                d[u + 2 * i] = d.get(u + 2 * i, 0) + c
            for u, c in ways[i - 1][j].items():
                d[u] = d.get(u, 0) + c
            ways[i][j] = d
    return ways[n1][n2]


# Above this many pairs the exact null distribution grows too large (its
# table is n1 x n2 dictionaries of up to n1 * n2 entries): the normal
# approximation, which is close there, is used instead.
EXACT_PAIRS = 900


def mann_whitney_p(x, y):
    """Two-sided p-value of the Mann-Whitney U test: exact for small
    samples, else from the normal approximation (with a continuity
    correction and the variance corrected for ties)."""
    n1, n2 = len(x), len(y)
    if n1 * n2 > EXACT_PAIRS:
        n = n1 + n2
        ties = {}
        for v in list(x) + list(y):
            ties[v] = ties.get(v, 0) + 1
        t = sum(c ** 3 - c for c in ties.values())
        var = n1 * n2 / 12.0 * ((n + 1) - t / float(n * (n - 1)))
        if var <= 0:
            return 1.0
        z = max(0.0, abs(u_statistic(x, y) - n1 * n2 / 2.0) - 0.5) / \
            math.sqrt(var)
        return math.erfc(z / math.sqrt(2))
    counts = u_null_counts(n1, n2)
    total = sum(counts.values())
    u2 = 2 * u_statistic(x, y)
    mid = n1 * n2
    dev = abs(u2 - mid)
    tail = sum(c for u, c in counts.items() if abs(u - mid) >= dev)
    return tail / total


def verdict(plain, other):
    """faster / slower when the exact Mann-Whitney test says so (5%)."""
    if len(plain) < 2 or len(other) < 2 or \
            mann_whitney_p(plain, other) >= ALPHA:
        return "no difference"
    return "slower" if median(other) > median(plain) else "faster"


def parse_strace(path):
    """syscall -> (calls, errors) from an strace -c summary."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            fs = line.split()
            if len(fs) < 5 or not re.match(r"^[\d.]+$", fs[0]):
                continue
            if len(fs) == 6:
                out[fs[5]] = (int(fs[3]), int(fs[4]))
            else:
                out[fs[4]] = (int(fs[3]), 0)
    return out


def lookups(counts):
    """Total path-lookup system calls of one strace summary."""
    return sum(counts.get(s, (0, 0))[0] for s in LOOKUP_SYSCALLS)


def present(stats, configs):
    """Those of configs that ran in at least one benchmark of stats."""
    return [c for c in configs if any(c in cfg for cfg in stats.values())]


def work_tables(stats, straces):
    """The workload table, the syscall summary, details, plot rows, notes."""
    rows, sysrows, details, plot, notes = [], [], [], [], []
    modes = present(stats, WORK_MODES)
    configs = ["plain"] + modes
    for b, cfg in stats.items():
        if "plain" not in cfg:
            continue
        p = cfg["plain"]
        pw = median(p["wall"])
        pu, ps = median(p["user"]), median(p["sys"])
        cpu = pu + ps
        # rusage is tick-based: below MIN_CPU_S the split means nothing.
        share = ps / cpu if cpu >= MIN_CPU_S else None
        row = [b, "%d" % len(p["wall"]),
               "%s (%s–%s)" % (fmt_ms(pw), fmt_ms(min(p["wall"])),
                               fmt_ms(max(p["wall"])))]
        prow = ['"%s"' % b]
        verdicts = {}
        for m in modes:
            if m not in cfg:
                row.append("–")
                continue
            w = cfg[m]["wall"]
            r = median(w) / pw
            verdicts[m] = (verdict(p["wall"], w), r)
            row.append("%s (%s–%s) **%s** %s" % (
                fmt_ms(median(w)), fmt_ms(min(w)), fmt_ms(max(w)),
                fmt_ratio(r), verdicts[m][0]))
        # The plot has a column for every configuration, NaN if absent.
        prow += ["%.4f" % verdicts[m][1] if m in verdicts else "NaN"
                 for m in WORK_MODES]
        if share is None:
            row.append("%s / %s (too short to split)" % (fmt_ms(pu),
                                                         fmt_ms(ps)))
        else:
            row.append("%s / %s (%.0f%% sys)" % (fmt_ms(pu), fmt_ms(ps),
                                                 100 * share))
        rows.append(row)
        plot.append(prow)
        st = straces.get(b, {})
        if st:
            base = lookups(st.get("plain", {}))
            srow = [b] + ["%d" % lookups(st[c]) if c in st else "–"
                          for c in configs]
            for m in [c for c in CACHING if c in modes]:
                if m in st and base:
                    d = lookups(st[m]) - base
                    srow.append("%+d (%+.1f%%)" % (d, 100.0 * d / base))
                else:
                    srow.append("–")
            sysrows.append(srow)
            details.append(syscall_detail(b, st, configs))
        notes.append(work_note(b, verdicts, share, st))
    head = ["workload", "runs each", "plain ms (min–max)"] + [
        "%s ms (min–max), ratio, verdict" % m for m in modes] + [
        "plain user / sys ms"]
    shead = ["workload"] + ["lookups %s" % c for c in configs] + [
        "%s − plain" % m for m in CACHING if m in modes]
    return (table(head, rows) if rows else "",
            table(shead, sysrows) if sysrows else "",
            "\n".join(details), plot, notes)


def syscall_detail(bench, st, configs):
    """Per-syscall counts of one workload: calls (errors)."""
    names = [s for s in LOOKUP_SYSCALLS
             if any(s in st.get(c, {}) for c in configs)]
    rows = []
    for s in names + ["total"]:
        row = [s if s != "total" else "all traced calls"]
        for c in configs:
            n = st.get(c, {}).get(s)
            row.append("%d (%d)" % n if n else "–")
        rows.append(row)
    return "#### %s\n\n%s" % (bench, table(
        ["syscall"] + ["%s calls (errors)" % c for c in configs], rows))


def work_note(bench, verdicts, share, st):
    """One sentence per workload: what happened and why."""
    if not verdicts:
        return None
    parts = []
    for m in CACHING:
        if m in verdicts:
            v, r = verdicts[m]
            parts.append("%s %s (%s)" % (m, fmt_ratio(r), v))
    text = "**%s**: %s." % (bench, ", ".join(parts))
    why = []
    base = lookups(st.get("plain", {})) if st else 0
    modes = [m for m in CACHING if m in st] if st else []
    if base and modes:
        best = min(modes, key=lambda m: lookups(st[m]))
        gone = base - lookups(st[best])
        if gone <= 0.01 * base:
            why.append("no path-lookup system call vanished (%d without "
                       "namecache, %s with it), so there was nothing to "
                       "gain and only namecache's own cost to pay" % (
                           base, " and ".join(
                               "%d in %s" % (lookups(st[m]), m)
                               for m in modes)))
        else:
            why.append("%d of its %d path-lookup system calls vanished "
                       "(%s)" % (gone, base, best))
        tot = {m: st[m].get("total", (0, 0))[0] for m in modes}
        ptot = st["plain"].get("total", (0, 0))[0]
        more = [m for m in modes if ptot and tot[m] > 1.05 * ptot]
        if more:
            grew = sorted(((st[more[0]].get(k, (0, 0))[0] -
                            st["plain"].get(k, (0, 0))[0], k)
                           for k in st[more[0]] if k != "total"),
                          reverse=True)[:3]
            why.append("in all, %s made %s system calls against %d without "
                       "namecache (largest increases in %s: %s)" % (
                           " and ".join(more), " and ".join(
                               "%d" % tot[m] for m in more), ptot, more[0],
                           ", ".join("`%s` %+d" % (k, d) for d, k in grew
                                     if d > 0)))
    if share is not None and share < 0.3:
        why.append("the plain run spends %.0f%% of its CPU time in user "
                   "space (%.0f%% in the kernel), a part no lookup cache "
                   "can shorten" % (100 * (1 - share), 100 * share))
    if bench.startswith("startup"):
        why.append("this is the fixed cost of `namecache run` (one more "
                   "exec) and of loading the shim, paid once per command")
    if why:
        s = "; ".join(why)
        text += " " + s[0].upper() + s[1:] + "."
    return text


# ---- the shared cache: attach, memory, builds ------------------------------

def attach_runs(rows):
    """config -> [(start, first, rest, total) µs per round] of attach.c."""
    out = {}
    for r in rows:
        out.setdefault(r["config"], {})[r["round"]] = tuple(
            float(r[k]) for k in ("start_us", "first_us", "rest_us",
                                  "total_us"))
    return out


def attach_cost(runs):
    """Median µs of start + first lookup per configuration."""
    return {c: median([x[0] + x[1] for x in v.values()])
            for c, v in runs.items()}


def attach_diff(runs, a, b):
    """Median over the rounds of start + first lookup, a − b (µs): the
    configurations ran in turns in each round, so each round pairs them."""
    d = [runs[a][r][0] + runs[a][r][1] - runs[b][r][0] - runs[b][r][1]
         for r in runs[a] if r in runs[b]]
    return median(d) if d else None


def fmt_us(v):
    """Microseconds, 3 significant digits."""
    return "%.0f" % v if v >= 100 else "%.1f" % v


# The attach program's configurations, each with the one it is compared
# with: started by the benchmark itself, or spawned by a launcher (which,
# attached, hands its attachment down).
ATTACH_CONFIGS = (("plain", "plain"), ("off", "plain"), ("strict", "plain"),
                  ("shared-strict", "plain"),
                  ("plain-spawned", "plain-spawned"),
                  ("off-spawned", "plain-spawned"),
                  ("shared-strict-handed", "plain-spawned"))


def attach_table(runs, n_children):
    """The attach program's table."""
    if "plain" not in runs:
        return ""
    rows = []
    for c, base in ATTACH_CONFIGS:
        if c not in runs or base not in runs:
            continue
        v = list(runs[c].values())
        cols = []
        for i in range(4):
            x = [r[i] for r in v]
            cols.append("%s (%s–%s)" % (fmt_us(median(x)), fmt_us(min(x)),
                                        fmt_us(max(x))))
        rows.append([c, "%d" % len(v)] + cols + [
            "%+d (vs %s)" % (round(attach_diff(runs, c, base)), base)])
    return table(["configuration", "rounds", "start µs", "first lookup µs",
                  "next 49 lookups µs", "whole process µs",
                  "start + first − plain µs (median of the rounds' differences)"], rows) + (
        "\nEach round starts %s processes per configuration, the "
        "configurations taking turns; the figures are the medians of a "
        "round's processes, then the median and range over the "
        "rounds.  The `-spawned` and `-handed` configurations are "
        "started by a launcher process with posix_spawn (as make "
        "starts recipes), their start measured from the launcher's "
        "spawn; in `shared-strict-handed` the launcher is attached and "
        "hands its attachment down, so the child needs no round trip to "
        "the daemon.\n" % n_children)


def versus_plain(cfg, configs, fmt, ranged):
    """A row's cells after the workload's name: the runs, plain's median
    (and range), then each configuration's median (and range), ratio to
    plain and verdict, or "–" where it did not run."""
    plain = cfg["plain"]["wall"]
    pw = median(plain)

    def cell(w):
        return fmt(median(w)) + (
            " (%s–%s)" % (fmt(min(w)), fmt(max(w))) if ranged else "")

    row = ["%d" % len(plain), cell(plain)]
    for c in configs:
        if c not in cfg:
            row.append("–")
            continue
        w = cfg[c]["wall"]
        row.append("%s **%s** %s" % (cell(w), fmt_ratio(median(w) / pw),
                                     verdict(plain, w)))
    return row


def config_table(stats, name):
    """A workload table over whatever configurations ran (attach rows)."""
    rows = []
    configs = []
    for cfg in stats.values():
        for c in cfg:
            if c != "plain" and c not in configs:
                configs.append(c)
    for b, cfg in stats.items():
        if "plain" not in cfg:
            continue
        rows.append([b] + versus_plain(
            cfg, configs, lambda s: fmt_us(s * 1e6), False))
    if not rows:
        return ""
    return table([name, "runs each", "plain µs"] + [
        "%s µs, ratio, verdict" % c for c in configs], rows)


def read_kv(path):
    """key -> value of a two-column file (daemon status lines)."""
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("\t")
                out[k] = v
    return out


UNITS = {"": 1, "b": 1, "bytes": 1, "kb": 1000, "kib": 1024,
         "k": 1024, "mb": 1000 ** 2, "mib": 1024 ** 2, "m": 1024 ** 2,
         "gb": 1000 ** 3, "gib": 1024 ** 3, "g": 1024 ** 3}


def parse_bytes(text):
    """Bytes from "123456", "12.5 MiB", "12 MB" ... or None."""
    m = re.match(r"^\s*([\d.]+)\s*([A-Za-z]*)", text or "")
    if not m or m.group(2).lower() not in UNITS:
        return None
    return float(m.group(1)) * UNITS[m.group(2).lower()]


def parse_count(text):
    """The leading integer of a status value, or None."""
    m = re.match(r"^\s*(\d+)", text or "")
    return int(m.group(1)) if m else None


def memory_figures(mem):
    """(entries, bytes in use, bytes per 100,000 entries) or None."""
    entries = parse_count(mem.get("entries"))
    used = parse_bytes(mem.get("memory"))
    if not entries or used is None:
        return None
    return entries, used, used / entries * 100000


def memory_table(mem):
    """The daemon's memory after the lookups."""
    if not mem:
        return ""
    rows = [[k, v] for k, v in mem.items()]
    fig = memory_figures(mem)
    if fig:
        rows.append(["memory per 100,000 entries",
                     "%.1f MiB" % (fig[2] / 1024 ** 2)])
    return table(["daemon status after the lookups", ""], rows, ["l", "l"])


def is_doubt(reason):
    """A reason meaning "a change might be pending": the strict doubt."""
    return reason in DOUBT_REASONS or reason.startswith("events")


def read_records(path):
    """Aggregate of one statistics record file, or None."""
    if not os.path.exists(path):
        return None
    agg = {"images": 0, "shared": 0, "why": {}, "calls": 0, "hits": 0,
           "reasons": {}}
    with open(path) as f:
        for line in f:
            fs = line.split()
            if len(fs) < 2 or fs[0] != "namecache-stats":
                continue
            agg["images"] += 1
            for tok in fs[2:]:
                k, _, v = tok.partition("=")
                if k == "cache" and v == "shared":
                    agg["shared"] += 1
                elif k == "why":
                    agg["why"][v] = agg["why"].get(v, 0) + 1
                elif k in LOOKUP_FAMILIES:
                    n = [int(x) for x in v.split(",") if x.isdigit()]
                    agg["calls"] += sum(n[:3])
                    agg["hits"] += n[3] if len(n) > 3 else 0
                elif k.startswith("doubt.") and k[6:] in LOOKUP_FAMILIES:
                    for pair in v.split(","):
                        name, _, n = pair.rpartition(":")
                        if n.isdigit():
                            agg["reasons"][name] = \
                                agg["reasons"].get(name, 0) + int(n)
    return agg


def record_figures(agg):
    """(answerable lookups, doubt share, hit rate) of an aggregate."""
    if not agg:
        return None
    answerable = agg["calls"] - sum(agg["reasons"].get(r, 0)
                                    for r in NOT_ANSWERABLE)
    if answerable <= 0:
        return None
    doubt = sum(n for r, n in agg["reasons"].items() if is_doubt(r))
    return answerable, doubt / answerable, agg["hits"] / answerable


def stopped_cell(cfg, modes):
    """The build with the daemon stopped (run.sh: run_builds), and the
    ratio of plain and of each mode to it, with their verdicts: what the
    daemon's reaction to the build's writes costs every process."""
    if "plain-stopped" not in cfg:
        return "–"
    s = cfg["plain-stopped"]["wall"]
    sw = median(s)
    parts = ["%s **%s** %s" % (c, fmt_ratio(median(cfg[c]["wall"]) / sw),
                               verdict(s, cfg[c]["wall"]))
             for c in ("plain",) + tuple(modes) if c in cfg]
    return "%s (%s–%s); %s" % (fmt_ms(sw), fmt_ms(min(s)), fmt_ms(max(s)),
                               ", ".join(parts))


def build_tables(stats, res):
    """The build scenarios: time, doubt and hits; and summary figures."""
    rows, figs = [], {}
    modes = present(stats, SHARED)
    stopped = any("plain-stopped" in cfg for cfg in stats.values())
    for b, cfg in stats.items():
        if "plain" not in cfg:
            continue
        pw = median(cfg["plain"]["wall"])
        row = [b] + versus_plain(cfg, modes, fmt_ms, True)
        if stopped:
            row.insert(3, stopped_cell(cfg, modes))
        for m in modes:
            agg = read_records(os.path.join(res, "records", "%s.%s.rec" % (
                safe(b), safe(m))))
            f = record_figures(agg)
            if not f:
                row += ["–", "–"] if m == "shared-strict" else ["–"]
                continue
            figs.setdefault(b, {})[m] = (f, median(cfg[m]["wall"]) / pw
                                         if m in cfg else None, agg)
            if m == "shared-strict":
                row.append("**%.2f%%** of %d (%s)" % (
                    100 * f[1], f[0], ", ".join(
                        "%s %.2f%%" % (r, 100.0 * agg["reasons"].get(r, 0) /
                                       f[0]) for r in DOUBT_REASONS)))
            row.append("%.1f%% (%d of %d images attached)" % (
                100 * f[2], agg["shared"], agg["images"]))
        rows.append(row)
    if not rows:
        return "", figs
    head = ["build", "runs each", "plain ms (min–max)"] + (
        ["plain, daemon stopped ms (min–max); ratios to it"]
        if stopped else []) + [
        "%s ms (min–max), ratio, verdict" % m for m in modes]
    for m in modes:
        if m == "shared-strict":
            head.append("strict lookups in doubt")
        head.append("%s hit rate" % m)
    return table(head, rows), figs


def records_table(stats, res):
    """Hit rate and doubt of each workload's cached configurations, from
    the statistics records of its extra run (abrun --stats)."""
    rows = []
    for b, cfg in stats.items():
        row, seen = [b], False
        for m in CACHING:
            f = record_figures(read_records(os.path.join(
                res, "records", "%s.%s.rec" % (safe(b), safe(m)))))
            if f:
                seen = True
                row.append("%.1f%% / %.2f%%" % (100 * f[2], 100 * f[1]))
            else:
                row.append("–")
        if seen:
            rows.append(row)
    if not rows:
        return ""
    return table(["workload"] + ["%s hits / in doubt" % m for m in CACHING],
                 rows)


def shared_findings(stats, runs, attach_stats, mem, figs, daemon):
    """Summary lines of the shared cache, derived from this run."""
    out = []
    flushes = parse_count(daemon.get("flushes"))
    if flushes:
        out.append("- The daemon that served the run flushed its cache %d "
                   "time(s) (%s inotify queue overflow(s)); every "
                   "shared-* figure measured after a flush starts again "
                   "from an empty cache (daemon status at the end of this "
                   "page)." % (flushes, daemon.get("overflows", "?")))
    for b, cfg in stats.items():
        if not (b.startswith("git status, clean") or
                b.startswith("ninja, no-op")) or "plain" not in cfg:
            continue
        pw = median(cfg["plain"]["wall"])
        parts = ["%s %s (%s)" % (m, fmt_ratio(pw / median(cfg[m]["wall"])),
                                 verdict(cfg["plain"]["wall"],
                                         cfg[m]["wall"]))
                 for m in SHARED if m in cfg]
        if parts:
            out.append("- %s, attached to a warm daemon, a new process "
                       "each run: speed-up (plain ÷ namecache) %s." % (
                           b, ", ".join(parts)))
    cost = attach_cost(runs) if runs else {}
    if "shared-strict" in cost and "off" in cost:
        out.append("- Attaching: from `fork` to the answer of its first "
                   "lookup a new process took %s µs under `LD_PRELOAD` "
                   "attached to the daemon, %s µs with the shim loaded "
                   "and the cache off, %s µs without namecache "
                   "(medians): attaching cost %+.0f µs, loading the shim "
                   "and attaching %+.0f µs." % (
                       fmt_us(cost["shared-strict"]), fmt_us(cost["off"]),
                       fmt_us(cost["plain"]),
                       attach_diff(runs, "shared-strict", "off"),
                       attach_diff(runs, "shared-strict", "plain")))
    if "shared-strict-handed" in cost and "off-spawned" in cost:
        out.append("- Attaching by hand-down (a child of an attached "
                   "process, spawned as make does): %s µs to the answer "
                   "of its first lookup, %s µs with the shim loaded and "
                   "the cache off, %s µs without namecache (medians): "
                   "attaching cost %+.0f µs, loading the shim and "
                   "attaching %+.0f µs." % (
                       fmt_us(cost["shared-strict-handed"]),
                       fmt_us(cost["off-spawned"]),
                       fmt_us(cost["plain-spawned"]),
                       attach_diff(runs, "shared-strict-handed",
                                   "off-spawned"),
                       attach_diff(runs, "shared-strict-handed",
                                   "plain-spawned")))
    for b, cfg in attach_stats.items():
        if "plain" not in cfg:
            continue
        pw = median(cfg["plain"]["wall"])
        parts = ["%s %s (%s)" % (c, fmt_ratio(median(v["wall"]) / pw),
                                 verdict(cfg["plain"]["wall"], v["wall"]))
                 for c, v in cfg.items() if c != "plain"]
        out.append("- `%s`: wall time ÷ plain %s." % (
            b.split(": ", 1)[-1], ", ".join(parts)))
    fig = memory_figures(mem)
    if fig:
        out.append("- Daemon memory: %.1f MiB per 100,000 entries "
                   "(%d entries in %.1f MiB)." % (
                       fig[2] / 1024 ** 2, fig[0], fig[1] / 1024 ** 2))
    doubts = [(v["shared-strict"][0][1], b) for b, v in figs.items()
              if "shared-strict" in v]
    hits = [(v["shared-strict"][0][2], b) for b, v in figs.items()
            if "shared-strict" in v]
    if doubts:
        out.append("- Builds, `shared-strict`: strict lookups in doubt "
                   "%.2f%% to %.2f%% (worst: %s), hit rate %.1f%% to "
                   "%.1f%% over the %d scenarios." % (
                       100 * min(doubts)[0], 100 * max(doubts)[0],
                       max(doubts)[1], 100 * min(hits)[0],
                       100 * max(hits)[0], len(doubts)))
    return "\n".join(out) + "\n" if out else ""


# ---- findings, commands -----------------------------------------------------

def findings(cells, stats, straces, stat_first, stat_worst):
    """The summary: derived statements, worst first."""
    out = []
    any_st = [st for st in straces.values() if "plain" in st]
    if any_st:
        vanished = 0
        for st in any_st:
            base = lookups(st["plain"])
            for m in CACHING:
                if m in st and base and lookups(st[m]) < 0.99 * base:
                    vanished += 1
        if vanished == 0:
            out.append("- **No path-lookup system call vanished in any "
                       "workload, in any mode**: with namecache the "
                       "workloads made as many `stat`/`open`/`access`/"
                       "`readlink`/`getcwd` calls as without it (strace "
                       "counts below).  The cache lives in each process "
                       "and starts only in a process that has repeated "
                       "`NAMECACHE_WARMUP` (4,096) lookups, because its "
                       "first watch makes the process's exit wait for "
                       "the kernel's inotify teardown (about 5 ms); no "
                       "process of these workloads repeats that much, so "
                       "every lookup went to the kernel and the ratios "
                       "below measure what interposition and admission "
                       "cost, and that is all they measure.")
        else:
            out.append("- Path-lookup system calls vanished in %d "
                       "workload/mode pairs (strace counts below)." %
                       vanished)
    if stat_first is not None:
        ok = stat_worst <= PASS_THROUGH_BOUND
        out.append("- Pass-through cost (mode `off` vs no namecache) of "
                   "`stat`: **%s** on a warm 3-component path, one thread; "
                   "at most %s over every path, cache state and thread count "
                   "measured: %s the %.2f× bound." % (
                       fmt_ratio(stat_first), fmt_ratio(stat_worst),
                       "within" if ok else "**over**", PASS_THROUGH_BOUND))
    hits = []
    for (call, shape, kind, threads), c in sorted(cells.items()):
        if kind == "warm" and threads == 1 and paired(c, "strict"):
            hits.append(1 / median(paired(c, "strict")))
    if hits:
        out.append("- Warm hits (the same path again), `strict` vs no "
                   "namecache, one thread: speed-up between %s and %s over "
                   "the %d call/path cells." % (
                       fmt_ratio(min(hits)), fmt_ratio(max(hits)),
                       len(hits)))
    for m in ("strict", "relaxed"):
        sc = [cell_scaling(c, m) for (call, shape, kind, threads), c in
              sorted(cells.items()) if threads == 2 and kind == "warm"]
        sc = [x for x in sc if x is not None]
        if sc:
            out.append("- Two threads doing warm hits, `%s`: throughput "
                       "%s to %s that of one thread (median of each "
                       "cell's in-process measures) over the %d call/path "
                       "cells." % (m, fmt_ratio(min(sc)), fmt_ratio(max(sc)),
                                   len(sc)))
    _, above, ceiling = floor_table(cells)
    if above:
        out.append("- A `strict` hit checks through its thread's own "
                   "io_uring (memory loads, after 512 checks, or 128 in a "
                   "process that has made 512; before that "
                   "or where io_uring is refused, one system call); a bare "
                   "system call cost %s–%s ns in the same runs, and the "
                   "hits cost %+.0f to %+.0f ns more than that (below 0: "
                   "cheaper than any system call)." % (
                       fmt_ns(min_floor(cells)),
                              fmt_ns(max_floor(cells)), above[0], above[1]))
    if ceiling:
        out.append("- So on this machine a hit that made one system call "
                   "could be at most %s–%s cheaper than plain `%s` on 12 "
                   "components (plain ÷ floor, per cell); a ring's hits "
                   "are not bound by it." % (
                       fmt_ratio(ceiling[0]), fmt_ratio(ceiling[1]),
                       "`/`".join(FLOOR_KEY_CALLS)))
    cold = []
    for (call, shape, kind, threads), c in sorted(cells.items()):
        if kind == "cold" and threads == 1 and paired(c, "strict"):
            cold.append(median(paired(c, "strict")))
    if cold:
        out.append("- First lookups (cold: every path new to the process), "
                   "`strict` vs no namecache, one thread: %s to %s the cost "
                   "of the plain call over the %d call/path cells." % (
                       fmt_ratio(min(cold)), fmt_ratio(max(cold)),
                       len(cold)))
    counts = {"faster": {}, "slower": {}, "no difference": {}}
    for b, cfg in stats.items():
        if "plain" not in cfg:
            continue
        for m in CACHING:
            if m in cfg:
                w = cfg[m]["wall"]
                v = verdict(cfg["plain"]["wall"], w)
                counts[v].setdefault(b, []).append("%s %s" % (
                    m, fmt_ratio(median(w) / median(cfg["plain"]["wall"]))))
    if stats:
        n = {k: sum(len(x) for x in v.values()) for k, v in counts.items()}
        out.append("- Real workloads with the cache on (`strict`, "
                   "`relaxed`, and attached to a warm daemon: "
                   "`shared-strict`, `shared-relaxed`): faster in %d, "
                   "slower in %d, no difference "
                   "beyond the run-to-run spread in %d of %d cases." % (
                       n["faster"], n["slower"], n["no difference"],
                       sum(n.values())))
        for k in ("faster", "slower"):
            for b, ms in counts[k].items():
                out.append("  - %s: %s (%s)" % (k, b, ", ".join(ms)))
    return "\n".join(out) + "\n"


def strip_top(text, top):
    """Paths relative to the top of the source tree, as a user types them."""
    return text.replace(top + "/", "") if top else text


def commands(micro_spec, work_spec, top, more=()):
    """The exact command of every configuration; more: (spec, section)
    pairs of the other sections' benchmarks."""
    out = []
    sections = {b: re.split(r"[ :,]", b)[0] for b in work_spec}
    work_spec = dict(work_spec)
    for spec, section in more:
        for b in spec:
            work_spec[b] = spec[b]
            sections[b] = section
    if work_spec:
        out.append("Real workloads (run in the directory shown; `prepare` "
                   "runs untimed before every run):\n")
        for b, cfg in work_spec.items():
            cwd, prep, _ = cfg["plain"]
            section = sections[b]
            out.append("- %s — in `%s`%s; alone: `tests/bench/run.sh %s`:"
                       % (b, strip_top(cwd, top),
                          ("; prepare `%s`" % prep) if prep != "-" else "",
                          section))
            for c in cfg:
                out.append("  - %s: `%s`" % (c, strip_top(cfg[c][2], top)))
        out.append("")
    if micro_spec:
        b = next(iter(micro_spec))
        out.append("Micro benchmark, one cell (`%s`; every cell differs "
                   "only in `-c -s -k -t`):\n" % b)
        for c in CONFIGS:
            if c in micro_spec[b]:
                out.append("- %s: `%s`" % (c, strip_top(micro_spec[b][c][2],
                                                        top)))
        out.append("")
    return "\n".join(out)


def machine_table(path):
    """The machine and software as a two-column table."""
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            rows = [line.rstrip("\n").split("\t", 1) for line in f]
    return table(["", ""], [r for r in rows if len(r) == 2], ["l", "l"]), \
        dict(r for r in rows if len(r) == 2)


def write_dat(path, rows, columns=MODES):
    """A gnuplot data file: label then columns."""
    with open(path, "w") as f:
        f.write("# label %s\n" % " ".join(columns))
        for r in rows:
            f.write(" ".join(r) + "\n")


def main():
    """Read the results, print the tables, write the report."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--template", required=True)
    ap.add_argument("--quick", default="0")
    ap.add_argument("--rounds", default="5")
    ap.add_argument("--warmup", default="1")
    ap.add_argument("--max-rounds", default="?")
    ap.add_argument("--budget", default="?")
    ap.add_argument("--sizes", default="")
    ap.add_argument("--doc")
    ap.add_argument("--sections", default="",
                    help="the sections run, when not all of them")
    a = ap.parse_args()
    res = a.results
    top = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    sizes = dict(kv.split("=", 1) for kv in a.sizes.split())

    cells = micro_cells(read_tsv(os.path.join(res, "micro.tsv")))
    micro1, micro2, micro_plot = micro_tables(cells)
    key, stat_first, stat_worst = stat_key(cells)
    floor, _, _ = floor_table(cells)
    stats = work_stats(read_tsv(os.path.join(res, "work.tsv")))
    straces = {}
    for b in stats:
        for c in WORK_CONFIGS:
            st = parse_strace(os.path.join(res, "strace", "%s.%s.txt" % (
                safe(b), c)))
            if st:
                straces.setdefault(b, {})[c] = st
    work, syscalls, details, work_plot, notes = work_tables(stats, straces)
    write_dat(os.path.join(res, "plot-micro.dat"), micro_plot)
    write_dat(os.path.join(res, "plot-work.dat"), work_plot, WORK_MODES)
    machine, mdict = machine_table(os.path.join(res, "machine.tsv"))
    summary = findings(cells, stats, straces, stat_first, stat_worst)
    runs = attach_runs(read_tsv(os.path.join(res, "attachc.tsv")))
    attach1 = attach_table(runs, sizes.get("attach", "?"))
    attach_stats = work_stats(read_tsv(os.path.join(res, "attach.tsv")))
    attach2 = config_table(attach_stats, "command")
    mem = read_kv(os.path.join(res, "memory.tsv"))
    memory = memory_table(mem)
    build_stats = work_stats(read_tsv(os.path.join(res, "builds.tsv")))
    builds, figs = build_tables(build_stats, res)
    hitrates = records_table(stats, res)
    daemon = read_kv(os.path.join(res, "daemon.tsv"))
    summary = shared_findings(stats, runs, attach_stats, mem, figs,
                              daemon) + summary

    for title, text in (("Summary", summary), ("stat pass-through", key),
                        ("Micro, 1 thread (ns per call)", micro1),
                        ("Micro, 2 threads", micro2),
                        ("Strict hits and their system call", floor),
                        ("Workloads (wall ms)", work),
                        ("Path-lookup system calls", syscalls),
                        ("Hits and doubt (statistics records)", hitrates),
                        ("Attach: a tiny program", attach1),
                        ("Attach: true and sh -c :", attach2),
                        ("Daemon memory", memory),
                        ("Builds: time, doubt, hits", builds)):
        if text:
            print("\n## %s\n\n%s" % (title, text))

    if not a.doc:
        return
    with open(a.template) as f:
        doc = f.read()
    quick_note = ""
    if a.quick == "1":
        quick_note = ("> **Smoke run** (`NC_BENCH_QUICK=1`): smaller trees "
                      "and fewer rounds than the full benchmark; these "
                      "numbers are indicative only.  Run `make bench` for "
                      "the real ones.\n")
    run_command = "`make bench`"
    if a.sections:
        all_sections = ("micro startup git make ninja cc bats python "
                        "attach memory builds").split()
        ran = a.sections.split()
        left = [x for x in all_sections if x not in ran]
        run_command = ("`NC_BENCH_DOC=docs/benchmarks.md tests/bench/run.sh "
                       "%s`" % " ".join(ran))
        if left:
            quick_note += ("> **Part of the benchmark**: sections %s were "
                           "not run, and their tables are not on this "
                           "page (an earlier full run's page is in the "
                           "repository's history).\n" % ", ".join(left))
    subst = {
        "MICRO_PLOT": ("![Micro benchmark, one thread: cost per call "
                       "relative to the plain call](bench-micro.svg)\n"
                       if cells else ""),
        "RUN_COMMAND": run_command,
        "QUICK_NOTE": quick_note,
        "DATE": mdict.get("date", "?"),
        "TOTAL_TIME": mdict.get("total run time", "?"),
        "ROUNDS": a.rounds, "WARMUP": a.warmup,
        "MAX_ROUNDS": a.max_rounds, "BUDGET": a.budget,
        "GIT_FILES": "{:,}".format(int(sizes.get("git", 0))),
        "BUILD_TARGETS": "{:,}".format(int(sizes.get("build", 0))),
        "BATS_TESTS": sizes.get("bats", "?"),
        "PY_MODULES": sizes.get("python", "?"),
        "MICRO_COLD": "{:,}".format(int(sizes.get("micro_cold", 0))),
        "MICRO_MS": sizes.get("micro_ms", "?"),
        "SUMMARY": summary,
        "MACHINE": machine,
        "STAT_KEY": key or "(not measured in this run)\n",
        "MICRO_1T": micro1 or "(not measured in this run)\n",
        "MICRO_2T": micro2 or "(not measured in this run)\n",
        "FLOOR": floor or "(not measured in this run)\n",
        "WORK": work or "(not measured in this run)\n",
        "WORK_NOTES": "\n".join("- " + n for n in notes if n) + "\n",
        "SYSCALLS": syscalls or "(not measured in this run)\n",
        "SYSCALL_DETAILS": details,
        "ATTACH_PROGRAM": attach1 or "(not measured in this run)\n",
        "ATTACH_COMMANDS": attach2 or "(not measured in this run)\n",
        "MEMORY": memory or "(not measured in this run)\n",
        "BUILDS": builds or "(not measured in this run)\n",
        "HITRATES": hitrates or "(not measured in this run)\n",
        "DAEMON": table(["daemon status at the end of the run", ""],
                        [[k, v] for k, v in daemon.items()], ["l", "l"])
        if daemon else "",
        "CLEAN_TARGETS": "{:,}".format(int(sizes.get("clean", 0))),
        "CC_DIRS": sizes.get("cc_dirs", "?"),
        "ATTACH_CHILDREN": sizes.get("attach", "?"),
        "MEM_ENTRIES": "{:,}".format(int(sizes.get("mem", 0))),
        "COMMANDS": commands(read_spec(os.path.join(res, "micro.spec")),
                             read_spec(os.path.join(res, "work.spec")), top,
                             [(read_spec(os.path.join(res, f)), sec)
                              for f, sec in (("attach.spec", "attach"),
                                             ("builds.spec", "builds"))]),
    }
    doc = re.sub(r"@([A-Z_0-9]+)@", lambda m: subst[m.group(1)], doc)
    os.makedirs(os.path.dirname(os.path.abspath(a.doc)), exist_ok=True)
    with open(a.doc, "w") as f:
        f.write(doc)


if __name__ == "__main__":
    main()
