"""setuptools' build backend, plus mypy (which carries mypyc) among the build requirements
when RESTWELL_MYPYC=1 asks for the compiled build (setup.py, docs/compiled.md)."""

import os

from setuptools.build_meta import *  # noqa: F403 (the backend's hooks, unchanged)

_MYPYC = ["mypy>=1.18"]


def get_requires_for_build_wheel(config_settings=None):  # type: ignore[no-untyped-def]
    # Not setuptools' own hook: that runs setup.py, which would import mypyc before it is there
    # (and asks for nothing a current setuptools needs).
    return _MYPYC if os.environ.get("RESTWELL_MYPYC") == "1" else []


def get_requires_for_build_editable(config_settings=None):  # type: ignore[no-untyped-def]
    return get_requires_for_build_wheel(config_settings)
