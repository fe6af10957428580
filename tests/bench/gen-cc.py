#!/usr/bin/env python3
"""Generate the compiler workload: one C file, 200 headers, DIRS -I dirs.

gen-cc.py DIR [DIRS]

DIR/incNN/hNNN.h   header N lives in directory N % DIRS (default 20), so
                   the compiler's search for it fails in every -I
                   directory before its own (the failing opens a cache
                   can answer)
DIR/main.c         includes <stdio.h>, <stdlib.h>, <string.h> and the 200
                   headers, in order
DIR/args           the compiler arguments, one per line
"""
import os
import sys

HEADERS = 200
DIRS = 20


def header(n):
    """Text of header n: a guard, a struct, an inline function."""
    return ("#ifndef H%03d_H\n#define H%03d_H\n"
            "struct s%03d { int a; long b; char c[%d]; };\n"
            "static inline int f%03d(const struct s%03d *p)\n"
            "{\n\treturn p->a + (int)p->b + p->c[0] + %d;\n}\n"
            "#endif\n" % (n, n, n, n % 7 + 1, n, n, n))


def main():
    """Write the headers, main.c and the argument list."""
    global DIRS
    top = sys.argv[1]
    if len(sys.argv) > 2:
        DIRS = int(sys.argv[2])
    for d in range(DIRS):
        os.makedirs(os.path.join(top, "inc%02d" % d), exist_ok=True)
    for n in range(HEADERS):
        with open(os.path.join(top, "inc%02d" % (n % DIRS),
                               "h%03d.h" % n), "w") as f:
            f.write(header(n))
    with open(os.path.join(top, "main.c"), "w") as f:
        f.write("#include <stdio.h>\n#include <stdlib.h>\n"
                "#include <string.h>\n")
        for n in range(HEADERS):
            f.write("#include <h%03d.h>\n" % n)
        f.write("int main(void)\n{\n\tstruct s000 x;\n\n"
                "\tmemset(&x, 0, sizeof(x));\n"
                "\tprintf(\"%d\\n\", f000(&x));\n\treturn 0;\n}\n")
    with open(os.path.join(top, "args"), "w") as f:
        for d in range(DIRS):
            f.write("-Iinc%02d\n" % d)


if __name__ == "__main__":
    main()
