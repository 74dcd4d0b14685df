"""How a transport's sockets are made, beyond host and port: ``uds=`` (every connection to a
Unix domain socket), ``local_address=`` (the source address to bind) and
``socket_options=`` (``setsockopt`` calls on each new socket, before it connects).

A transport without any of them has no ``Dial`` (None), and its connections open exactly as
before: these options cost nothing unless given.

- ``uds``: the socket at that path is the server, for every request the transport sends
  (http or https: TLS then runs over it, verified against the URL's host). No name is
  resolved and no proxy is used: a proxy route is dropped (the request goes in origin
  form). Connections are still pooled by origin within the transport, whose one socket
  path they all share.
- ``local_address``: an IP address (``"127.0.0.1"``, ``"::1"``, ``"0.0.0.0"``, ``"::"``)
  bound with port 0 before each connect; only the resolved addresses of its family are
  tried, so ``"0.0.0.0"`` means IPv4 only and ``"::"`` IPv6 only, as with httpx.
- ``socket_options``: ``(level, option, value)`` triples, applied to every new socket
  (TCP or Unix) before it connects; through a SOCKS proxy, after (python-socks makes that
  socket).
"""

from __future__ import annotations

import socket
import typing

__all__ = ["Dial", "SocketOption", "to_dial"]

SocketOption = typing.Union[
    typing.Tuple[int, int, int],
    typing.Tuple[int, int, typing.Union[bytes, bytearray]],
    typing.Tuple[int, int, None, int],
]
Address = tuple[socket.AddressFamily, tuple[typing.Any, ...]]


class Dial:
    """A transport's ``uds``, ``local_address`` and ``socket_options``, checked once."""

    __slots__ = ("family", "local_address", "socket_options", "uds")

    def __init__(
        self, uds: str | None, local_address: str | None,
        socket_options: typing.Iterable[SocketOption] | None,
    ) -> None:
        if uds is not None:
            if not hasattr(socket, "AF_UNIX"):  # pragma: no cover - Windows before 10
                raise ValueError("uds=: this platform has no Unix domain sockets")
            uds = str(uds)
            if not uds:
                raise ValueError("uds= must be the path of a Unix domain socket")
        self.uds = uds
        self.family: socket.AddressFamily | None = None
        if local_address is not None:
            self.family = _family_of(local_address)
        self.local_address = local_address
        options = []
        for option in socket_options or ():
            if not isinstance(option, tuple) or len(option) not in (3, 4):
                raise TypeError(f"socket_options= takes (level, option, value) tuples, not "
                                f"{option!r}")
            options.append(option)
        self.socket_options: tuple[SocketOption, ...] = tuple(options)

    def __repr__(self) -> str:
        parts = [f"{name}={getattr(self, name)!r}" for name in
                 ("uds", "local_address", "socket_options") if getattr(self, name)]
        return f"Dial({', '.join(parts)})"

    def prepare(self, sock: socket.socket) -> None:
        """Options, then the bind: on a new socket, before its connect."""
        for option in self.socket_options:
            sock.setsockopt(*option)
        if self.local_address is not None and sock.family != _AF_UNIX:
            sock.bind((self.local_address, 0))

    def apply_options(self, sock: socket.socket) -> None:
        """The options alone, on a socket made by someone else (python-socks)."""
        for option in self.socket_options:
            sock.setsockopt(*option)

    def local_addr(self) -> tuple[str, int] | None:
        """The ``local_addr`` that python-socks and asyncio take."""
        return None if self.local_address is None else (self.local_address, 0)

    def addresses(self, host: str, found: list[Address]) -> list[Address]:
        """The resolved addresses this source address can reach (all, without one)."""
        if not found:
            raise OSError(f"{host} resolved to no address")
        if self.family is None:
            return found
        usable = [address for address in found if address[0] == self.family]
        if not usable:
            raise OSError(f"{host} has no address of the family of local_address="
                          f"{self.local_address!r}")
        return usable

    def unix_socket(self) -> socket.socket:
        """A new Unix domain stream socket with the options set, not yet connected."""
        return self.stream_socket(_AF_UNIX)

    def stream_socket(self, family: int) -> socket.socket:
        """A new stream socket of ``family`` with the options set (and bound to the source
        address), not yet connected."""
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.prepare(sock)
        except BaseException:
            sock.close()
            raise
        return sock


_AF_UNIX: typing.Any = getattr(socket, "AF_UNIX", None)


def _family_of(address: str) -> socket.AddressFamily:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, address)
            return family
        except (OSError, TypeError):
            continue
    raise ValueError(f"local_address= must be an IP address such as '0.0.0.0' or '::', not "
                     f"{address!r}")


def to_dial(
    uds: str | None, local_address: str | None,
    socket_options: typing.Iterable[SocketOption] | None,
) -> Dial | None:
    """None when nothing is asked: the transport then opens its sockets as it always has."""
    if uds is None and local_address is None and not socket_options:
        return None
    return Dial(uds, local_address, socket_options)
