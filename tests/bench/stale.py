#!/usr/bin/env python3
"""How late relaxed mode sees a change made by an unrelated process.

    LD_PRELOAD=build/lib/libnamecache.so NAMECACHE_MODE=relaxed \
        NAMECACHE_WARMUP=0 tests/bench/stale.py [CHANGES] [MAX_STALE_US]

This process (under the shim) stat()s a file in a tight loop; a child,
started without the shim, sets the file's mtime to 1, 2, 3 ... seconds at
random moments and reports the moment each utime() returned
(CLOCK_MONOTONIC).  Printed: the delay from each change's return to the
first stat() that showed it (or a later one), as percentiles, against the
bound NAMECACHE_MAX_STALE_US.
"""
import os
import random
import stat
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import os, random, sys, time
path, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    time.sleep(random.uniform(0.02, 0.25))
    os.utime(path, (i, i))
    print(time.clock_gettime_ns(time.CLOCK_MONOTONIC), i, flush=True)
"""


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    bound = int(os.environ.get("NAMECACHE_MAX_STALE_US", "100000"))
    d = tempfile.mkdtemp()
    path = os.path.join(d, "f")
    # mknod, not open: a file this process opened for writing is checked
    # before every hit, as in strict mode (src/cache/own.c).
    os.mknod(path, 0o600 | stat.S_IFREG)
    os.utime(path, (0, 0))
    env = {k: v for k, v in os.environ.items()
           if k != "LD_PRELOAD" and not k.startswith("NAMECACHE_")}
    child = subprocess.Popen([sys.executable, "-c", CHILD, path, str(n)],
                             stdout=subprocess.PIPE, env=env, text=True)
    os.set_blocking(child.stdout.fileno(), False)
    first_seen, changes, buf = {}, [], ""
    while len(changes) < n or len(first_seen) < n:
        m = int(os.stat(path).st_mtime)
        now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        for i in range(m, 0, -1):  # seeing i also shows every change before
            if i in first_seen:
                break
            first_seen[i] = now
        try:
            buf += child.stdout.read() or ""
        except TypeError:
            pass
        while "\n" in buf:
            line, buf = buf.split("\n", 1)
            t, i = line.split()
            changes.append((int(i), int(t)))
    delays = [(first_seen[i] - t) / 1000.0 for i, t in changes]
    child.wait()
    delays.sort()

    def pct(p):
        return delays[min(len(delays) - 1, int(p / 100.0 * len(delays)))]

    print("changes %d bound %d us: delay median %.0f us, p90 %.0f us, "
          "max %.0f us" % (n, bound, pct(50), pct(90), delays[-1]))


if __name__ == "__main__":
    main()
