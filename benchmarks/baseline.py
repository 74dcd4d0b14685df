"""An earlier commit of restwell, set up to run beside the working tree (run.py --baseline).

    scripts/bench --baseline HEAD~3 --clients restwell --scenarios get,post

``prepare(ref)`` exports the tree at ``ref`` with ``git archive`` into
``.venv-bench-base/<short-sha>/tree`` and gives it a virtual environment of its own beside it
(``.../venv``), made from the same Python as the benchmark's. Both are kept and reused while
the sha and the benchmark environment's versions stay the same. The row it adds,
``restwell@<short-sha>``, runs the very adapter of the ``restwell`` row, in that environment.

What goes in the environment: restwell from the exported tree, installed as the working tree
is in .venv-bench (editable: the source folder on the path) with its own runtime
dependencies, plus those packages of .venv-bench that restwell uses when they are there
(msgspec, uvloop, brotli, zstd, python-socks). Every package is pinned to .venv-bench's
version, so the two rows differ in restwell's code and nothing else.

Older commits build through a custom backend (``backend-path = ["_build"]``) and a setup.py
that compiles with mypyc when RESTWELL_MYPYC=1. Every step here runs with RESTWELL_MYPYC
removed from the environment, so they build pure Python; a check after the install refuses a
baseline that imports any compiled restwell module. The install tries, in turn:

1. ``pip install -e <tree>``, the ref's own build backend in an isolated build;
2. the same with ``--no-build-isolation``, setuptools installed first;
3. no build at all: the ref's ``[project].dependencies`` installed, and a ``.pth`` file that
   puts the exported ``src/`` on the path (what an editable setuptools install amounts to).

The third works for any commit with restwell under ``src/``; which one served is printed and
stored with the results.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import typing

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BASE_DIR = os.path.join(ROOT, ".venv-bench-base")
# Packages restwell imports when present: a baseline without one the working tree has would
# send another Accept-Encoding, or decode JSON another way.
OPTIONAL = ("msgspec", "uvloop", "brotli", "brotlicffi", "backports-zstd", "python-socks")
LAYOUT = "1"  # bump when what prepare() puts in a baseline environment changes
ALIAS = "restwell@base"  # how --clients may name the baseline row before its sha is known


@dataclasses.dataclass(frozen=True)
class Baseline:
    ref: str  # as given: a sha, a branch, HEAD~3
    sha: str  # the full commit
    short: str
    python: str  # the baseline environment's interpreter
    install: str  # which of the three ways installed restwell

    @property
    def row(self) -> str:
        return f"restwell@{self.short}"

    def describe(self) -> str:
        return (f"{self.row} is `{self.ref}` ({self.sha}), exported with git archive and "
                f"installed in its own environment ({self.install}), every other package at "
                f"the benchmark environment's version")


def clean_env() -> dict[str, str]:
    """The environment for installs and baseline workers: no mypyc build, and no PYTHONPATH
    that could put another restwell ahead of the baseline's."""
    env = dict(os.environ)
    env.pop("RESTWELL_MYPYC", None)
    env.pop("PYTHONPATH", None)
    return env


def _name(requirement: str) -> str:
    """A requirement's project name, normalised (PEP 503)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""


def pins(freeze: str) -> list[str]:
    """``name==version`` lines of a ``pip freeze``, restwell's own left out."""
    return [line.strip() for line in freeze.splitlines()
            if "==" in line and not line.startswith(("#", "-")) and _name(line) != "restwell"]


def optional_pins(all_pins: list[str]) -> list[str]:
    """The pins of OPTIONAL packages: the ones the working tree's row has."""
    return [p for p in all_pins if _name(p) in OPTIONAL]


def runtime_dependencies(pyproject: str) -> list[str]:
    """``[project].dependencies`` of a pyproject.toml's text."""
    project = tomllib.loads(pyproject).get("project", {})
    return list(project.get("dependencies", []))


Pip = typing.Callable[[list[str]], bool]  # runs ``pip <args>`` in the baseline environment


def install_restwell(pip: Pip, tree: str, site: str, constraints: str) -> str:
    """restwell from ``tree`` by the first of the three ways that works; returns its name."""
    c = ["-c", constraints]
    if pip(["install", *c, "-e", tree]):
        return "editable, the ref's own build backend"
    if pip(["install", *c, "setuptools>=77", "wheel"]) and pip(
            ["install", *c, "--no-build-isolation", "-e", tree]):
        return "editable, no build isolation"
    with open(os.path.join(tree, "pyproject.toml")) as f:
        deps = runtime_dependencies(f.read())
    if deps and not pip(["install", *c, *deps]):
        raise RuntimeError(f"the dependencies of {tree} did not install: {deps}")
    with open(os.path.join(site, "restwell-baseline.pth"), "w") as f:
        f.write(os.path.join(tree, "src") + "\n")
    return "src/ on the path, no build"


CHECK = """
import importlib.util, json, os, restwell
root = os.path.dirname(restwell.__file__)
compiled = [f for _, _, files in os.walk(root) for f in files if f.endswith((".so", ".pyd"))]
if importlib.util.find_spec("restwell__mypyc") is not None:
    compiled.append("restwell__mypyc")
print(json.dumps({"file": restwell.__file__, "compiled": compiled}))
"""


def check_pure(python: str, inside: str) -> str:
    """Where ``python`` imports restwell from; fails unless that is under ``inside`` and no
    restwell module is compiled."""
    out = subprocess.run([python, "-c", CHECK], capture_output=True, text=True,
                         env=clean_env(), cwd="/")
    if out.returncode != 0:
        raise RuntimeError(f"{python} cannot import restwell: {out.stderr.strip()[-500:]}")
    found = json.loads(out.stdout)
    if not os.path.realpath(found["file"]).startswith(os.path.realpath(inside) + os.sep):
        raise RuntimeError(f"{python} imports restwell from {found['file']}, not from {inside}")
    if found["compiled"]:
        raise RuntimeError(f"{python}'s restwell has compiled modules: {found['compiled']}")
    return str(found["file"])


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def _export(sha: str, tree: str) -> None:
    os.makedirs(tree)
    proc = subprocess.Popen(["git", "-C", ROOT, "archive", "--format=tar", sha],
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None
    with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
        tar.extractall(tree, filter="data")
    if proc.wait() != 0:
        raise RuntimeError(f"git archive {sha} failed")


def prepare(ref: str, python: str = sys.executable, base_dir: str = BASE_DIR) -> Baseline:
    """The baseline environment for ``ref``, made or reused."""
    try:
        sha = _git("rev-parse", "--verify", f"{ref}^{{commit}}")
    except subprocess.CalledProcessError:
        raise SystemExit(f"--baseline {ref}: no such commit in {ROOT}") from None
    short = _git("rev-parse", "--short", sha)
    freeze = subprocess.run([python, "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout
    all_pins = pins(freeze)
    stamp_key = hashlib.sha1("\n".join([LAYOUT, sha, *all_pins]).encode()).hexdigest()[:12]
    home = os.path.join(base_dir, short)
    venv, tree = os.path.join(home, "venv"), os.path.join(home, "tree")
    venv_python = os.path.join(venv, "bin", "python")
    stamp = os.path.join(home, f"installed-{stamp_key}")
    if os.path.isfile(stamp) and os.path.exists(venv_python):
        with open(stamp) as f:
            install = f.read().strip()
        print(f"baseline {ref}: reusing {home} ({install})", flush=True)
    else:
        install = _make(sha, home, tree, venv, venv_python, python, all_pins)
        with open(stamp, "w") as f:
            f.write(install + "\n")
    check_pure(venv_python, tree)
    return Baseline(ref, sha, short, venv_python, install)


def _make(sha: str, home: str, tree: str, venv: str, venv_python: str, python: str,
          all_pins: list[str]) -> str:
    print(f"baseline {sha[:12]}: exporting to {home} and installing ...", flush=True)
    shutil.rmtree(home, ignore_errors=True)
    os.makedirs(home)
    if not os.path.exists(os.path.join(os.path.dirname(home), ".gitignore")):
        with open(os.path.join(os.path.dirname(home), ".gitignore"), "w") as f:
            f.write("*\n")  # the folder ignores itself: nothing in it belongs in git
    _export(sha, tree)
    subprocess.run([python, "-m", "venv", venv], check=True)
    constraints = os.path.join(home, "constraints.txt")
    with open(constraints, "w") as f:
        f.write("\n".join(all_pins) + "\n")
    env = clean_env()

    def pip(args: list[str]) -> bool:
        out = subprocess.run([venv_python, "-m", "pip", "-q", *args], capture_output=True,
                             text=True, env=env, cwd=home)
        if out.returncode != 0:
            tail = [line for line in out.stderr.splitlines() if "WARNING: Location" not in line]
            print(f"  pip {' '.join(args)} failed: {' | '.join(tail[-3:])}", flush=True)
        return out.returncode == 0

    if not pip(["install", "--upgrade", "pip"]):
        raise RuntimeError("pip could not upgrade itself in the baseline environment")
    extra = optional_pins(all_pins)
    if extra and not pip(["install", "-c", constraints, *extra]):
        raise RuntimeError(f"the optional packages did not install: {extra}")
    site = subprocess.run([venv_python, "-c", "import sysconfig; "
                           "print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    install = install_restwell(pip, tree, site, constraints)
    # Bytecode as an installed wheel would have it, as scripts/bench does for src/.
    subprocess.run([venv_python, "-m", "compileall", "-q", os.path.join(tree, "src")],
                   stdout=subprocess.DEVNULL, check=False)
    print(f"baseline {sha[:12]}: restwell installed ({install})", flush=True)
    return install
