"""The public surface and the layering of DESIGN.md."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import restwell

SRC = pathlib.Path(restwell.__file__).parent

EXPECTED = {
    "AsyncBaseTransport", "AsyncClient", "AsyncHTTPTransport",
    "Auth", "AuthError", "BaseTransport", "BasicAuth", "BearerAuth", "CertificateVerifyError",
    "Client", "ClientClosed", "Cookies", "DigestAuth", "OAuth2", "Proxy",
    "ConnectError", "ConnectTimeout", "DecodingError", "HTTPStatusError", "HTTPTransport",
    "Headers", "IncompleteBodyError", "InvalidHeader", "InvalidURL", "Limits",
    "LocalProtocolError", "NetworkError", "PoolTimeout", "ProtocolError", "ProxyError",
    "ReadError", "ReadTimeout", "RemoteProtocolError", "Request", "RequestError", "Response",
    "ResponseNotRead", "RestwellError", "Retry", "StreamClosed", "StreamConsumed", "StreamError",
    "TLSError", "Timeout", "TimeoutException", "TooManyRedirects", "TransportError", "UNSET",
    "URL", "UnsupportedProtocol", "WriteError", "WriteTimeout", "__version__", "delete", "get",
    "head", "options", "patch", "post", "put", "request",
}

# Which layer each private module belongs to; a module may import its own layer or lower ones.
LAYERS = {
    "_version": 0, "_exceptions": 0, "_config": 0, "_urls": 0, "_headers": 0,
    "_content": 0, "_multipart": 0, "_bodies": 0, "_decoders": 0, "_models": 0,
    "_proxy": 0, "_retry": 0, "_json": 0,
    "_http11": 1,
    "_tls": 2, "_eyeballs": 2, "_net": 2, "_tunnel": 2, "_async_tunnel": 2, "_pool": 2,
    "_transport": 2,
    "_async_net": 2, "_async_pool": 2, "_async_transport": 2,
    "_auth": 3, "_digest": 3, "_oauth2": 3, "_redirects": 3, "_cookies": 3,
    "_client": 4, "_async_client": 4, "_api": 4, "testing": 4, "__init__": 5,
}


def test_public_names_are_exactly_the_intended_ones() -> None:
    assert set(restwell.__all__) == EXPECTED
    for name in restwell.__all__:
        assert getattr(restwell, name) is not None
        obj = getattr(restwell, name)
        if hasattr(obj, "__module__") and isinstance(obj, type):
            assert obj.__module__.startswith("restwell")


def test_every_exception_is_a_restwell_error() -> None:
    for name in restwell.__all__:
        obj = getattr(restwell, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert issubclass(obj, restwell.RestwellError), name


def test_layers_only_import_downwards() -> None:
    for path in SRC.glob("*.py"):
        module = path.stem
        assert module in LAYERS, f"{module} has no layer in this test: add it"
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                node.body = []  # imports for annotations only do not count
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                target = node.module.split(".")[0]
                assert LAYERS[target] <= LAYERS[module], f"{module} imports {target} upward"


def test_import_is_light() -> None:
    code = ("import sys, restwell; heavy = {'ssl', 'json', 'email', 'http.client', "
            "'urllib.request', 'ipaddress', 'idna', 'asyncio', 'secrets', 'hashlib', "
            "'socket', 'select', 'httptools', 'restwell._transport'} & "
            "set(sys.modules); "
            "print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


TWIN_METHODS = ["request", "send", "_follow", "_send_one", "_retrying", "_send_with_auth",
                "stream", "get",
                "head", "options", "delete", "post", "put", "patch"]
# What turns AsyncClient's code into Client's: the only differences allowed between the twins.
ASYNC_TO_SYNC = [("async def ", "def "), ("await ", ""), ("_call(hook, ", "hook("),
                 (".aclose()", ".close()"), (".aread()", ".read()"),
                 ("handle_async_request", "handle_request"),
                 ("asynccontextmanager", "contextmanager"), ("AsyncIterator", "Iterator"),
                 ("async_auth_flow", "sync_auth_flow"), ("anext(flow)", "next(flow)"),
                 ("flow.asend(", "flow.send("), ("StopAsyncIteration", "StopIteration"),
                 ("policy.async_sleep(", "policy.sleep(")]


def _normalised(source: str) -> str:
    for old, new in ASYNC_TO_SYNC:
        source = source.replace(old, new)
    return "\n".join(line.strip() for line in source.splitlines() if line.strip())


def test_sync_and_async_clients_are_twins() -> None:
    """DESIGN.md: the sync and async send loops are the only duplicated code, kept side by
    side. This keeps them identical but for awaits, so a fix in one cannot miss the other."""
    import inspect

    from restwell._async_client import AsyncClient
    from restwell._client import Client

    for name in TWIN_METHODS:
        sync = inspect.getsource(getattr(Client, name))
        twin = getattr(AsyncClient, name)
        asynchronous = inspect.getsource(getattr(twin, "__wrapped__", twin))
        assert _normalised(asynchronous) == _normalised(sync), f"{name} differs"
