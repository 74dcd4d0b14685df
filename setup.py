"""The optional compiled build: RESTWELL_MYPYC=1 compiles the modules every request runs
through with mypyc (docs/compiled.md). Without it (the default) restwell is pure Python;
both builds pass the same test suite. Everything else is declared in pyproject.toml."""

import os

from setuptools import setup

# The protocol layer and the sync I/O leaves, which sequential requests spend their Python time
# in; _async_pool because it subclasses _pool's PoolBook (an interpreted class cannot inherit
# from a compiled one). The rest stays interpreted: users subclass and patch the client,
# models and auth, and the async and threaded paths measured no faster compiled.
COMPILED = ["_http11", "_net", "_tls", "_pool", "_async_pool", "_json"]

ext_modules = []
if os.environ.get("RESTWELL_MYPYC") == "1":
    from mypyc.build import mypycify

    ext_modules = mypycify(
        [f"src/restwell/{name}.py" for name in COMPILED], opt_level="3", group_name="restwell"
    )

setup(ext_modules=ext_modules)
