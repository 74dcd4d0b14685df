"""What both HTTP transports hold: TLS settings, limits and the SSLContext made from them."""

from __future__ import annotations

import typing

from .._models._config import Limits, Timeout
from ._dial import SocketOption, to_dial
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
        uds: str | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> None:
        """``uds``: send every request over the Unix domain socket at that path;
        ``local_address``: the source IP address of each connection; ``socket_options``:
        ``(level, option, value)`` set on each new socket (see ``_dial``)."""
        self._dial = to_dial(uds, local_address, socket_options)
        self._uds = uds
        self._verify = verify
        self._cert = cert
        self._trust_env = trust_env
        self._limits = limits or Limits()
        self._context: ssl.SSLContext | None = None
        self._pool = self._make_pool()

    def _make_pool(self) -> typing.Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        dial = "" if self._dial is None else f" {self._dial!r}"
        return f"<{type(self).__name__} verify={self._verify!r}{dial} {self._pool!r}>"

    def _ssl_context(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = ssl_context(self._verify, self._cert, self._trust_env)
        return self._context
