#!/usr/bin/env python3
"""Generate the git workload: a committed repository (deterministic).

gen-git.py DIR NFILES

DIR/repo holds NFILES small text files, 50 to a directory, in two levels
of directories (dNN/eNN/), committed with a fixed author, committer and
date, so the commit id depends only on NFILES and this script.
DIR/touch.lst lists every hundredth file (1%): the files the "touched"
variant of the benchmark touches before each run.
"""
import os
import random
import subprocess
import sys

PER_DIR = 50
WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda "
         "mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega").split()


def file_path(i):
    """Relative path of file number i."""
    leaf = i // PER_DIR
    return "d%02d/e%02d/f%05d.txt" % (leaf // 32, leaf % 32, i)


def content(rng, i):
    """Deterministic content of file number i."""
    lines = ["file %d" % i]
    for _ in range(rng.randint(1, 12)):
        lines.append(" ".join(rng.choice(WORDS) for _ in range(8)))
    return "\n".join(lines) + "\n"


def git(repo, *args):
    """Run git in repo with a fixed identity and clock."""
    env = dict(os.environ)
    env.update({
        "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.org",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.org",
        "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
    })
    subprocess.run(["git", "-C", repo] + list(args), check=True, env=env,
                   stdout=subprocess.DEVNULL)


def main():
    """Write the files, commit them, list the files to touch."""
    top, n = sys.argv[1], int(sys.argv[2])
    repo = os.path.join(top, "repo")
    rng = random.Random(20240101)
    os.makedirs(repo)
    for i in range(n):
        p = os.path.join(repo, file_path(i))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(content(rng, i))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "generated tree")
    with open(os.path.join(top, "touch.lst"), "w") as f:
        for i in range(0, n, 100):
            f.write(file_path(i) + "\n")


if __name__ == "__main__":
    main()
