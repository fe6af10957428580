#!/usr/bin/env python3
"""Generate the micro benchmark's tree (deterministic).

gen-micro.py DIR COUNT

Two directory chains below DIR, one per path shape of micro.c:
  p/a/                      names of 3 components   (p/a/f00000)
  q/a/b/c/d/e/g/h/i/j/k/    names of 12 components
each holding COUNT empty files fNNNNN and COUNT symbolic links lNNNNN
(to fNNNNN).  The names mNNNNN are left missing: failing lookups use them.
"""
import os
import sys


def make_chain(top, prefix, count):
    """Create one directory chain and its files and links."""
    d = os.path.join(top, prefix)
    os.makedirs(d, exist_ok=True)
    for i in range(count):
        f = os.path.join(d, "f%05d" % i)
        with open(f, "wb"):
            pass
        os.symlink("f%05d" % i, os.path.join(d, "l%05d" % i))


def main():
    """Parse the arguments and build the tree."""
    top, count = sys.argv[1], int(sys.argv[2])
    make_chain(top, "p/a", count)
    make_chain(top, "q/a/b/c/d/e/g/h/i/j/k", count)


if __name__ == "__main__":
    main()
