#!/usr/bin/env python3
"""Generate the bats workload: a suite of NTESTS tests (deterministic).

gen-bats.py DIR NTESTS

DIR/suite/tNN.bats   20 tests to a file; each test checks fixture files
                     the way shell test suites do ([ -f ], [ -d ], run
                     with a command, compare output)
DIR/fixtures/        the files they check
"""
import os
import sys

PER_FILE = 20


def test(i):
    """Text of test number i."""
    f = "$FIX/f%03d" % (i % 100)
    d = "$FIX/d%02d" % (i % 10)
    return ("@test \"case %d\" {\n"
            "\t[ -f \"%s\" ]\n"
            "\t[ -d \"%s\" ]\n"
            "\t[ ! -e \"%s/missing%d\" ]\n"
            "\trun cat \"%s\"\n"
            "\t[ \"$status\" -eq 0 ]\n"
            "\t[ \"$output\" = \"fixture %d\" ]\n"
            "\trun ls \"%s\"\n"
            "\t[ \"$status\" -eq 0 ]\n"
            "}\n\n" % (i, f, d, d, i, f, i % 100, d))


def main():
    """Write the fixtures and the test files."""
    top, n = sys.argv[1], int(sys.argv[2])
    fix = os.path.join(top, "fixtures")
    os.makedirs(os.path.join(top, "suite"))
    for d in range(10):
        os.makedirs(os.path.join(fix, "d%02d" % d))
        for k in range(5):
            open(os.path.join(fix, "d%02d" % d, "g%d" % k), "w").close()
    for i in range(100):
        with open(os.path.join(fix, "f%03d" % i), "w") as f:
            f.write("fixture %d\n" % i)
    for b in range((n + PER_FILE - 1) // PER_FILE):
        with open(os.path.join(top, "suite", "t%02d.bats" % b), "w") as f:
            f.write("setup() {\n\tFIX=\"$BATS_TEST_DIRNAME/../fixtures\"\n"
                    "}\n\n")
            for i in range(b * PER_FILE, min(n, (b + 1) * PER_FILE)):
                f.write(test(i))


if __name__ == "__main__":
    main()
