"""The one boundary where OS, ``ssl``, timeout and SOCKS errors become restwell's.

``map_error`` turns each into the class for the phase it happened in (connect, write, read),
with the method and URL in the message; both drivers call it. ``remaining`` cuts a phase's
timeout short by the total deadline.
"""

from __future__ import annotations

import contextlib
import sys
import time
import typing

from .._models._exceptions import (
    CertificateVerifyError,
    ConnectError,
    ConnectTimeout,
    ProxyError,
    ReadError,
    ReadTimeout,
    RequestError,
    TLSError,
    TransportError,
    WriteError,
    WriteTimeout,
)

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._models._proxy import Proxy
    from .._models._request import Request

__all__ = ["map_error", "mapped", "proxy_unreachable", "remaining", "socks_errors"]


_PHASES = {
    "connect": (ConnectTimeout, ConnectError, "connecting to"),
    "write": (WriteTimeout, WriteError, "sending the request to"),
    "read": (ReadTimeout, ReadError, "waiting for the response from"),
}


def remaining(phase_timeout: float | None, deadline: float | None) -> float | None:
    """The timeout for the next socket call: the phase's, cut short by the total deadline."""
    if deadline is None:
        return phase_timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("total deadline")
    return left if phase_timeout is None else min(phase_timeout, left)


def map_error(
    exc: BaseException, phase: str, request: Request, deadline: float | None = None
) -> RequestError:
    """The one place OS, ssl and timeout errors become restwell exceptions."""
    where = f"{request.method} {request.url.redacted()}"
    timeout_cls, network_cls, doing = _PHASES[phase]
    if isinstance(exc, RequestError):
        error = type(exc)(f"{exc} ({where})", request=request)
    elif isinstance(exc, (TimeoutError, BlockingIOError)):  # BlockingIOError: SO_RCVTIMEO
        hit_deadline = deadline is not None and time.monotonic() >= deadline - 0.005
        limit = "the total deadline" if hit_deadline else f"the {phase} timeout"
        error = timeout_cls(
            f"timed out {doing} {where} ({limit}); increase restwell.Timeout"
            f"({'total' if hit_deadline else phase}=...) "
            "if the server is known to be slow",
            request=request,
        )
    elif _is_ssl_error(exc):
        error = _map_ssl(exc, where, request)
    elif isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        hint = {
            "connect": "check the host, port and network",
            "write": "the server closed the connection while we were sending",
            "read": "the server closed or reset the connection",
        }[phase]
        error = network_cls(f"error {doing} {where}: {reason}; {hint}", request=request)
    else:
        error = network_cls(f"error {doing} {where}: {exc!r}", request=request)
    error.__cause__ = exc
    return error


def _is_ssl_error(exc: BaseException) -> bool:
    ssl = sys.modules.get("ssl")  # not imported at all: no TLS was used, so not a TLS error
    return ssl is not None and isinstance(exc, ssl.SSLError)


def _map_ssl(exc: BaseException, where: str, request: Request) -> TransportError:
    import ssl

    if isinstance(exc, ssl.SSLCertVerificationError):
        return CertificateVerifyError(
            f"the TLS certificate of {where} did not verify: {exc.verify_message}; pass "
            "verify='/path/to/ca.pem' for a private CA (verify=False only for testing)",
            request=request,
        )
    return TLSError(f"TLS error with {where}: {getattr(exc, 'reason', None) or exc}",
                    request=request)


def mapped(
    exc: BaseException, phase: str, request: Request, deadline: float | None = None
) -> BaseException:
    if not isinstance(exc, Exception):  # cancellation, KeyboardInterrupt, SystemExit, ...
        return exc
    return map_error(exc, phase, request, deadline)


def proxy_unreachable(proxy: Proxy, exc: OSError) -> OSError | TLSError:
    """A failure to reach the proxy itself, named as such (a timeout passes as it is)."""
    if isinstance(exc, TimeoutError):
        return exc
    where = f"the proxy {proxy.redacted()}"
    if type(exc).__module__ == "ssl":
        verify_message = getattr(exc, "verify_message", None)
        if verify_message:
            return CertificateVerifyError(
                f"the TLS certificate of {where} did not verify: {verify_message}; pass "
                "verify='/path/to/ca.pem' if the proxy's CA is private"
            )
        return TLSError(f"TLS error with {where}: {getattr(exc, 'reason', None) or exc}")
    reason = exc.strerror or str(exc) or type(exc).__name__
    return OSError(exc.errno, f"cannot connect to {where}: {reason}")


@contextlib.contextmanager
def socks_errors(proxy: Proxy, host: str, port: int) -> typing.Iterator[typing.Any]:
    """python-socks, imported, with its errors turned into what the transports map."""
    try:
        import python_socks
    except ImportError:
        raise ProxyError(
            "a socks5:// proxy needs python-socks: pip install 'restwell[socks]'"
        ) from None
    try:
        yield python_socks
    except python_socks.ProxyTimeoutError:
        raise TimeoutError("connecting through the SOCKS proxy timed out") from None
    except python_socks.ProxyConnectionError as exc:
        raise OSError(f"cannot reach the SOCKS proxy {proxy.redacted()}: {exc}") from None
    except python_socks.ProxyError as exc:
        raise ProxyError(
            f"the SOCKS proxy {proxy.redacted()} refused {host}:{port}: {exc}; check the "
            "proxy's credentials and rules", status_code=getattr(exc, "error_code", None),
        ) from None
