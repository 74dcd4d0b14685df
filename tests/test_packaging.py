"""The distributions built from this tree: the sdist and the wheel carry every package
folder, py.typed and LICENSE; the wheel's metadata has the extras (``all`` among them, the
union of the others), the classifiers and the license; and each installs into a fresh venv
(``python -m venv``) and serves a request from the installed copy.

The fresh venvs get restwell alone (``--no-deps --no-index``: no download); the runtime
dependencies come from this environment through a ``.pth`` line placed after the venv's own
site-packages, so the restwell imported is the installed one, never this tree."""

from __future__ import annotations

import email.parser
import os
import pathlib
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import typing
import zipfile

import pytest

from servers import AppServer

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("_models", "_protocol", "_io/_sync", "_io/_async", "_features", "_client")
SMOKE = """
import asyncio, sys, restwell
assert restwell.__file__.startswith(sys.argv[2]), restwell.__file__
url = sys.argv[1]
with restwell.Client() as client:
    assert client.post(url + "/echo", json={"a": 1}).json()["body"] == '{"a":1}'
    assert restwell.URL("http://faß.de/").host == "xn--fa-hia.de"  # idna is a dependency
async def main():
    async with restwell.AsyncClient() as client:
        return (await client.get(url + "/json")).status_code
assert asyncio.run(main()) == 200
print("ok")
"""


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pathlib.Path]:
    """The sdist, and the wheel built from it (as ``python -m build`` does)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out),
                    str(ROOT)], check=True, capture_output=True, timeout=120)
    (sdist,) = out.glob("restwell-*.tar.gz")
    (wheel,) = out.glob("restwell-*-py3-none-any.whl")
    return {"sdist": sdist, "wheel": wheel}


def _metadata(wheel: pathlib.Path) -> tuple[list[str], typing.Any]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (meta,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        return names, email.parser.Parser().parsestr(archive.read(meta).decode())


def test_the_sdist_carries_the_packages_and_the_license(dists: dict[str, pathlib.Path]) -> None:
    with tarfile.open(dists["sdist"]) as archive:
        names = archive.getnames()
    for package in PACKAGES:
        assert any(f"src/restwell/{package}/__init__.py" in name for name in names), package
    assert any(name.endswith("src/restwell/py.typed") for name in names)
    assert any(name.endswith("/LICENSE") for name in names)


def test_the_wheel_metadata(dists: dict[str, pathlib.Path]) -> None:
    names, meta = _metadata(dists["wheel"])
    for package in PACKAGES:
        assert f"restwell/{package}/__init__.py" in names, package
    assert "restwell/py.typed" in names
    (license_file,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    with zipfile.ZipFile(dists["wheel"]) as archive:
        text = archive.read(license_file).decode()
    assert text.startswith("MIT License") and "The restwell authors" in text
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    classifiers = meta.get_all("Classifier")
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: 3 :: Only" in classifiers
    assert "Framework :: AsyncIO" in classifiers
    assert meta["Keywords"]
    assert "Home-page" not in meta  # no placeholder address
    requires = meta.get_all("Requires-Dist")
    assert any(r.startswith("idna") and "extra" not in r for r in requires)
    extras = set(meta.get_all("Provides-Extra"))
    assert {"all", "brotli", "zstd", "socks", "uvloop", "speedups", "truststore"} <= extras
    # `all` is every optional dependency, markers and all (uvloop not on Windows)
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = declared["optional-dependencies"]
    union = {dep for name, deps in optional.items() if name not in ("all", "test", "bench")
             for dep in deps}
    assert set(optional["all"]) == union
    in_all = [r for r in requires if r.endswith('extra == "all"')]
    assert len(in_all) == len(union)
    assert any(r.startswith("uvloop") and 'sys_platform != "win32"' in r for r in in_all)
    assert all('sys_platform != "win32"' in r for r in requires if r.startswith("uvloop"))


@pytest.mark.parametrize("which", ["wheel", "sdist"])
def test_installs_into_a_fresh_venv_and_serves_a_request(
    which: str, dists: dict[str, pathlib.Path], tmp_path: pathlib.Path, app: AppServer
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   capture_output=True, timeout=60)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    here = sysconfig.get_paths()["purelib"]  # this environment's: setuptools, the deps
    # pip of this environment installs into the venv; an sdist is built there, with the
    # setuptools of this environment (no build isolation: nothing is downloaded)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", "--no-build-isolation", str(dists[which])],
                   check=True, capture_output=True, timeout=120,
                   env={**os.environ, "PYTHONPATH": here})
    site = subprocess.run([str(python), "-c", "import sysconfig; "
                           "print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    assert (pathlib.Path(site) / "restwell" / "py.typed").exists()
    (pathlib.Path(site) / "zz-deps.pth").write_text(here + "\n")  # after restwell's own
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    out = subprocess.run([str(python), "-c", SMOKE, app.url, site], env=env,
                         capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "ok", out.stderr
