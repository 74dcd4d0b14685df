"""What both HTTP transports hold: TLS settings, limits and the SSLContext made from them."""

from __future__ import annotations

import typing

from .._models._config import Limits, Timeout
from ._tls import CertTypes, VerifyTypes, ssl_context

if typing.TYPE_CHECKING:  # pragma: no cover
    import ssl

__all__ = ["TransportSettings", "DEFAULT_TIMEOUT"]


DEFAULT_TIMEOUT = Timeout()


class TransportSettings:
    """What both HTTP transports hold: TLS settings, limits and the SSLContext made from them
    (once, on first use: a client that never speaks https never loads a trust store)."""

    _pool: typing.Any

    def __init__(
        self,
        *,
        verify: VerifyTypes = True,
        cert: CertTypes = None,
        limits: Limits | None = None,
        trust_env: bool = True,
    ) -> None:
        self._verify = verify
        self._cert = cert
        self._trust_env = trust_env
        self._limits = limits or Limits()
        self._context: ssl.SSLContext | None = None
        self._pool = self._make_pool()

    def _make_pool(self) -> typing.Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} verify={self._verify!r} {self._pool!r}>"

    def _ssl_context(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = ssl_context(self._verify, self._cert, self._trust_env)
        return self._context
