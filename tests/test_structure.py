"""The public surface and the layering of DESIGN.md."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys
import typing

import restwell

SRC = pathlib.Path(restwell.__file__).parent

EXPECTED = {
    "AsyncBaseTransport", "AsyncClient", "AsyncHTTPTransport",
    "Auth", "AuthError", "BaseTransport", "BasicAuth", "BearerAuth", "Cache",
    "CertificateVerifyError", "MemoryCache", "RedisCache", "SQLiteCache",
    "Client", "ClientClosed", "CookieConflict", "Cookies", "DigestAuth", "OAuth2", "Proxy",
    "ConnectError", "ConnectTimeout", "DecodingError", "HTTPStatusError", "HTTPTransport",
    "Headers", "IncompleteBodyError", "InvalidHeader", "InvalidURL", "JSONDecodeError", "Limits",
    "LocalProtocolError", "NetworkError", "PoolTimeout", "ProtocolError", "ProxyError",
    "ReadError", "ReadTimeout", "RemoteProtocolError", "Request", "RequestError", "Response",
    "ResponseNotRead", "RestwellError", "Retry", "StreamClosed", "StreamConsumed", "StreamError",
    "TLSError", "Timeout", "TimeoutException", "TooManyRedirects", "TransportError", "UNSET",
    "URL", "UnsupportedProtocol", "WriteError", "WriteTimeout", "__version__", "codes", "delete",
    "get",
    "head", "options", "patch", "post", "put", "request", "stream",
    "BadGateway", "BadRequest", "ClientError", "Conflict", "Forbidden", "GatewayTimeout", "Gone",
    "InternalServerError", "MethodNotAllowed", "NotFound", "PreconditionFailed", "Problem",
    "ServerError", "ServiceUnavailable", "TooManyRequests", "Unauthorized",
    "UnprocessableEntity", "UnsupportedMediaType",
    "CursorPagination", "LinkPagination", "PagePagination", "PaginationError",
    "ServerSentEvent",
}

# The layers of DESIGN.md, as folders: a module may import its own folder or lower ranks.
# _storage (a feature's storage: memory, SQLite, Redis) is I/O, at _io's rank, beside it.
RANKS = {"_models": 0, "_protocol": 1, "_io": 2, "_storage": 2, "_features": 3, "_client": 4}
TOP = 5  # __init__, _api, testing: the public face
DRIVERS = ("_io._sync", "_io._async")


def _modules() -> dict[str, pathlib.Path]:
    """Every module of the package by dotted name below restwell (``_io._sync._pool``)."""
    found = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: pathlib.Path, runtime_only: bool) -> list[tuple[str, int]]:
    """The restwell modules ``name`` imports (relative imports resolved), with line numbers.
    ``runtime_only``: only what runs when the module is imported (not TYPE_CHECKING blocks,
    not imports inside functions)."""
    tree = ast.parse(path.read_text())
    package = name.split(".")[:-1]  # (for a package's __init__ too: relative to itself)
    nodes: list[ast.AST] = []
    if runtime_only:
        for node in tree.body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            nodes.append(node)
    else:
        nodes = [tree]
    found = []
    for top in nodes:
        for node in ast.walk(top):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *(node.module or "").split(".")]).strip(".")
                found.append((target, node.lineno))
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("restwell."):
                found.append((node.module.removeprefix("restwell."), node.lineno))  # type: ignore[union-attr]
    return found


def _rank(module: str) -> float:
    first = module.split(".")[0]
    if module == "_version":
        return -1  # a leaf everything may read
    if module.startswith(DRIVERS):
        return RANKS["_io"] + 0.5
    return TOP + 1 if module == "__init__" else RANKS.get(first, TOP)


def test_layers_only_import_downwards() -> None:
    """Runtime and type-only imports alike; imports inside functions too."""
    for name, path in _modules().items():
        if name.split(".")[0] not in RANKS and name not in ("__init__", "_api", "testing",
                                                            "_version"):
            raise AssertionError(f"{name} sits in no layer folder: move it into one")
        for target, line in _imports(name, path, runtime_only=False):
            where = f"{path.relative_to(SRC)}:{line} imports {target}"
            same_folder = target.split(".")[0] == name.split(".")[0] and name.startswith("_")
            assert same_folder or _rank(target) < _rank(name), f"upward: {where}"
            if name.startswith("_features"):
                assert target.startswith(("_models", "_features")), (
                    f"features see models only: {where}")
            for driver in DRIVERS:
                other = DRIVERS[1 - DRIVERS.index(driver)]
                if name.startswith(driver):
                    assert not target.startswith(other), f"one driver imports the other: {where}"
            if name.startswith("_io.") and not name.startswith(DRIVERS):
                assert not target.startswith(DRIVERS), (
                    f"the shared io modules are below both drivers: {where}")


def test_no_import_cycle_at_run_time() -> None:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        graph[name] = sorted({t for t, _ in _imports(name, path, runtime_only=True)
                              if t in modules and t != name})
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == 2:
            return
        assert state.get(node) != 1, "import cycle: " + " -> ".join([*trail, node])
        state[node] = 1
        for nxt in graph[node]:
            visit(nxt, [*trail, node])
        state[node] = 2

    for name in graph:
        visit(name, [])


def test_modules_stay_within_budget() -> None:
    """DESIGN.md: about 500 lines a module."""
    for name, path in _modules().items():
        lines = len(path.read_text().splitlines())
        assert lines <= 500, f"{name} has {lines} lines: split it by job"


def test_import_is_light() -> None:
    code = ("import sys, restwell; heavy = {'ssl', 'json', 'email', 'http.client', "
            "'urllib.request', 'ipaddress', 'idna', 'asyncio', 'secrets', 'hashlib', "
            "'socket', 'select', 'httptools', 'restwell._io._sync._transport', 'redis'} & "
            "set(sys.modules); "
            "print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# What turns AsyncClient's code into Client's: the only differences allowed between the twins.
ASYNC_TO_SYNC = [("async def ", "def "), ("await ", ""), ("_call(a, b)", "a(b)"),
                 (".aclose()", ".close()"), (".aread()", ".read()"),
                 ("handle_async_request", "handle_request"),
                 ("asynccontextmanager", "contextmanager"), ("AsyncIterator", "Iterator"),
                 (".asend(", ".send("), ("StopAsyncIteration", "StopIteration"),
                 (".async_sleep(", ".sleep("), ("__aenter__", "__enter__"),
                 ("__aexit__", "__exit__"), ("def aclose", "def close"),
                 ("-> AsyncClient:", "-> Client:"), ("AsyncPages", "Pages"),
                 ("async with ", "with "), ("async for ", "for "), (".aiter_raw(", ".iter_raw("),
                 (".aiter_sse(", ".iter_sse(")]
TWIN_NAMES = {"aclose": "close", "__aenter__": "__enter__", "__aexit__": "__exit__"}
# Which transport each client makes by default is the one thing that must differ.
NOT_TWINS = {"_default_transport"}


def _normalised(function: typing.Any) -> str:
    """A method's source without its docstring, async spellings turned into sync ones."""
    import inspect
    import textwrap

    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    node = tree.body[0]
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    if ast.get_docstring(node) is not None:
        node.body = node.body[1:]
    source = ast.unparse(node)
    for old, new in ASYNC_TO_SYNC:
        source = source.replace(old, new)
    return source


def test_sync_and_async_clients_are_twins() -> None:
    """DESIGN.md: the clients' short loops are the only sync/async twins. Every method
    AsyncClient defines must be Client's but for awaits, so a fix in one cannot miss the
    other; the list comes from AsyncClient itself."""
    from restwell._client._async import AsyncClient
    from restwell._client._sync import Client

    names = [name for name, value in vars(AsyncClient).items()
             if callable(getattr(value, "__wrapped__", value)) or isinstance(value, property)]
    assert len(names) >= 15, names
    for name in names:
        if name in NOT_TWINS:
            continue
        twin = getattr(AsyncClient, name)
        sync = getattr(Client, TWIN_NAMES.get(name, name))
        assert _normalised(getattr(twin, "__wrapped__", twin)) == _normalised(
            getattr(sync, "__wrapped__", sync)), f"{name} differs"


def _public_members(obj: type) -> typing.Iterator[tuple[str, typing.Any]]:
    """The public methods and properties a restwell class defines or inherits from restwell."""
    for klass in obj.__mro__:
        if not klass.__module__.startswith("restwell"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            if callable(value) or isinstance(value, (property, classmethod, staticmethod)):
                yield f"{obj.__name__}.{name}", value


def test_every_public_name_has_a_docstring() -> None:
    missing = []
    for name in restwell.__all__:
        obj = getattr(restwell, name)
        if isinstance(obj, type):
            if not (obj.__doc__ or "").strip():
                missing.append(name)
            if issubclass(obj, BaseException):
                continue  # (an exception's methods are BaseException's)
            for member, value in _public_members(obj):
                target = getattr(value, "__func__", value)
                target = target.fget if isinstance(target, property) else target
                if not (getattr(target, "__doc__", None) or "").strip():
                    missing.append(member)
        elif callable(obj) and not (obj.__doc__ or "").strip():
            missing.append(name)
    assert not missing, f"no docstring: {sorted(set(missing))}"


def test_public_classes_say_they_are_restwell_s() -> None:
    """Tracebacks and reprs name ``restwell.Client``, not the private module it lives in."""
    for name in restwell.__all__:
        obj = getattr(restwell, name)
        if isinstance(obj, type) or callable(obj):
            assert obj.__module__ == "restwell", f"{name}.__module__ is {obj.__module__}"
            assert getattr(restwell, obj.__name__) is obj
