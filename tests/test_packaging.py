"""The sdist built from this tree installs (pip builds its wheel) and works: every package
folder and py.typed ship, and a request goes through an installed copy."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tarfile

from servers import AppServer

ROOT = pathlib.Path(__file__).resolve().parent.parent

SMOKE = """
import asyncio, sys, restwell
assert restwell.__file__.startswith(sys.argv[2]), restwell.__file__
url = sys.argv[1]
with restwell.Client() as client:
    assert client.post(url + "/echo", json={"a": 1}).json()["body"] == '{"a":1}'
async def main():
    async with restwell.AsyncClient() as client:
        return (await client.get(url + "/json")).status_code
assert asyncio.run(main()) == 200
print("ok")
"""


def test_sdist_installs_and_serves_a_request(tmp_path: pathlib.Path, app: AppServer) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir",
                    str(dist), str(ROOT)], check=True, capture_output=True)
    (sdist,) = dist.glob("restwell-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    for package in ("_models", "_protocol", "_io/_sync", "_io/_async", "_features", "_client"):
        assert any(f"src/restwell/{package}/__init__.py" in name for name in names), package
    assert any(name.endswith("src/restwell/py.typed") for name in names)
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(sdist)],
                   check=True, capture_output=True)
    assert (target / "restwell" / "py.typed").exists()
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", SMOKE, app.url, str(target)], env=env,
                         capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "ok", out.stderr
