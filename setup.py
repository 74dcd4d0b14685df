"""The optional compiled build: RESTWELL_MYPYC=1 compiles the modules every request runs
through with mypyc (docs/compiled.md). Without it (the default) restwell is pure Python;
both builds pass the same test suite. Everything else is declared in pyproject.toml."""

import os

from setuptools import setup

# The request path, sync and async. The rest (the client, models, auth, cookies, ...) stays
# interpreted: users subclass and patch those, and they cost little per request.
COMPILED = ["_http11", "_net", "_tls", "_pool", "_async_pool", "_async_net"]

ext_modules = []
if os.environ.get("RESTWELL_MYPYC") == "1":
    from mypyc.build import mypycify

    ext_modules = mypycify(
        [f"src/restwell/{name}.py" for name in COMPILED], opt_level="3", group_name="restwell"
    )

setup(ext_modules=ext_modules)
