#!/usr/bin/env python3
"""Generate the make/ninja workload: a C project of NTARGETS objects.

gen-build.py DIR NTARGETS

DIR/src/dNN/uNNNN.c   NTARGETS sources, 100 to a directory, each
                      including 3 of the 100 headers (fixed choice)
DIR/include/hNN.h     100 headers
DIR/src/main.c        calls every unit
DIR/Makefile          objects in mk/, depfiles from -MMD, one link
DIR/build.ninja       objects in nj/, deps = gcc, one link
The tree is built once here, so the benchmarks start up to date: ninja
compiles everything, then make's objects are copies of ninja's (the same
compiler command) with the depfiles gcc -MMD -MP would have written, and
`make -q` confirms that make sees nothing to do.  Compiling once instead of
twice halves the generation time.  Every object plus the program is one
target: NTARGETS sources give NTARGETS + 2 targets per build system.
"""
import os
import random
import shutil
import subprocess
import sys

PER_DIR = 100
HEADERS = 100
CFLAGS = "-O0 -Iinclude"


def unit(i):
    """Source path (without .c) of unit i."""
    return "src/d%02d/u%04d" % (i // PER_DIR, i)


def write(path, text):
    """Write text to path, creating its directory."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def gen_sources(top, n, rng):
    """Headers, units and main.c; returns each unit's headers."""
    for h in range(HEADERS):
        write(os.path.join(top, "include/h%02d.h" % h),
              "#ifndef H%02d_H\n#define H%02d_H\n"
              "#define H%02d_VALUE %d\n"
              "struct h%02d { int a, b; };\n#endif\n" % (h, h, h, h, h))
    deps = []
    for i in range(n):
        hs = sorted(rng.sample(range(HEADERS), 3))
        deps.append(hs)
        inc = "".join('#include "h%02d.h"\n' % h for h in hs)
        expr = " + ".join("H%02d_VALUE" % h for h in hs)
        write(os.path.join(top, unit(i) + ".c"),
              inc + "int u%04d(void);\nint u%04d(void)\n{\n"
              "\treturn %s + %d;\n}\n" % (i, i, expr, i))
    decls = "".join("int u%04d(void);\n" % i for i in range(n))
    calls = "".join("\ts += u%04d();\n" % i for i in range(n))
    write(os.path.join(top, "src/main.c"),
          decls + "int main(void)\n{\n\tlong s = 0;\n" + calls +
          "\treturn s == 0;\n}\n")
    return deps


def gen_makefile(top, n):
    """A conventional Makefile with automatic dependencies."""
    objs = " \\\n\t".join("mk/%s.o" % unit(i)[4:] for i in range(n))
    write(os.path.join(top, "Makefile"),
          "CFLAGS := %s\n"
          "OBJS := \\\n\t%s \\\n\tmk/main.o\n\n"
          "mk/prog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n\n"
          "mk/%%.o: src/%%.c\n\t$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<\n\n"
          "-include $(OBJS:.o=.d)\n" % (CFLAGS, objs))


def gen_ninja(top, n):
    """The same project for ninja."""
    lines = ["cflags = %s" % CFLAGS,
             "rule cc",
             "  command = cc $cflags -MMD -MF $out.d -c -o $out $in",
             "  depfile = $out.d", "  deps = gcc",
             "rule link", "  command = cc -o $out @$out.rsp",
             "  rspfile = $out.rsp", "  rspfile_content = $in"]
    objs = []
    for i in range(n):
        o = "nj/%s.o" % unit(i)[4:]
        lines.append("build %s: cc %s.c" % (o, unit(i)))
        objs.append(o)
    lines.append("build nj/main.o: cc src/main.c")
    objs.append("nj/main.o")
    lines.append("build nj/prog: link " + " ".join(objs))
    lines.append("default nj/prog")
    write(os.path.join(top, "build.ninja"), "\n".join(lines) + "\n")


def seed_make(top, n, deps):
    """Make's outputs: ninja's objects and gcc-style depfiles."""
    for i in range(n):
        rel = unit(i)[4:]
        shutil.copyfile(os.path.join(top, "nj", rel + ".o"),
                        os.path.join(top, "mk", rel + ".o"))
        hdrs = ["include/h%02d.h" % h for h in deps[i]]
        write(os.path.join(top, "mk", rel + ".d"),
              "mk/%s.o: %s.c %s\n" % (rel, unit(i), " ".join(hdrs)) +
              "".join("%s:\n" % h for h in hdrs))
    shutil.copyfile(os.path.join(top, "nj/main.o"),
                    os.path.join(top, "mk/main.o"))
    write(os.path.join(top, "mk/main.d"), "mk/main.o: src/main.c\n")
    shutil.copyfile(os.path.join(top, "nj/prog"),
                    os.path.join(top, "mk/prog"))
    os.chmod(os.path.join(top, "mk/prog"), 0o755)


def main():
    """Generate the project and bring both builds up to date."""
    top, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(5000)
    deps = gen_sources(top, n, rng)
    gen_makefile(top, n)
    gen_ninja(top, n)
    for d in range((n + PER_DIR - 1) // PER_DIR):
        os.makedirs(os.path.join(top, "mk/d%02d" % d), exist_ok=True)
    subprocess.run(["ninja", "-C", top], check=True,
                   stdout=subprocess.DEVNULL)
    seed_make(top, n, deps)
    subprocess.run(["make", "-q", "-C", top], check=True)


if __name__ == "__main__":
    main()
