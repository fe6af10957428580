#!/usr/bin/env python3
"""Generate the python workload: a program importing NMODULES modules.

gen-python.py DIR NMODULES PYTHON

DIR/pkg/sNN/mNN.py   NMODULES modules, 25 to a subpackage, each importing
                     a few standard modules and defining a class and
                     functions
DIR/main.py          imports every module and calls into each
The modules are byte-compiled here with PYTHON (the interpreter the
benchmark runs), so every run reads the same up-to-date .pyc files.
"""
import os
import subprocess
import sys

PER_PKG = 25


def module(i):
    """Text of module number i."""
    return ("import os\nimport re\nimport json\n\n"
            "PATTERN = re.compile(r'item-%d-(\\d+)')\n\n\n"
            "class Thing%d:\n"
            "    def __init__(self, v):\n        self.v = v\n\n"
            "    def value(self):\n        return self.v + %d\n\n\n"
            "def run():\n"
            "    return Thing%d(len(os.sep)).value() + "
            "len(json.dumps([%d]))\n" % (i, i, i, i, i))


def main():
    """Write the package and main.py, then byte-compile them."""
    top, n, python = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    pkg = os.path.join(top, "pkg")
    os.makedirs(pkg)
    open(os.path.join(pkg, "__init__.py"), "w").close()
    names = []
    for i in range(n):
        sub = "s%02d" % (i // PER_PKG)
        d = os.path.join(pkg, sub)
        if not os.path.isdir(d):
            os.makedirs(d)
            open(os.path.join(d, "__init__.py"), "w").close()
        with open(os.path.join(d, "m%02d.py" % (i % PER_PKG)), "w") as f:
            f.write(module(i))
        names.append("pkg.%s.m%02d" % (sub, i % PER_PKG))
    with open(os.path.join(top, "main.py"), "w") as f:
        f.write("import importlib\n\nNAMES = [\n")
        f.write("".join("    %r,\n" % m for m in names))
        f.write("]\n\ntotal = 0\nfor name in NAMES:\n"
                "    total += importlib.import_module(name).run()\n"
                "print(total)\n")
    subprocess.run([python, "-m", "compileall", "-q", pkg], check=True)


if __name__ == "__main__":
    main()
