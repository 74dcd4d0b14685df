"""Frozen configuration objects: Timeout and Limits, and the UNSET marker.

``None`` always means *off*; ``UNSET`` means *not given here, use the next level's value*
(call > client > default). Timeouts are on by default: a request can never hang forever
unless the caller turns every phase off by hand.
"""

from __future__ import annotations

import typing

__all__ = ["UNSET", "UnsetType", "Timeout", "Limits", "TimeoutTypes", "to_timeout"]


class UnsetType:
    """The type of ``UNSET``: a setting not given at this level."""

    _instance: UnsetType | None = None

    def __new__(cls) -> UnsetType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET = UnsetType()
_Seconds = typing.Union[float, None, UnsetType]


def _seconds(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"timeout {name} must be a number of seconds or None, not {value!r}")
    if value < 0 or value != value:
        raise ValueError(f"timeout {name} must be >= 0 seconds, not {value!r}")
    return float(value)


class Timeout:
    """Per-phase timeouts in seconds, plus an optional total deadline for the whole call.

    ``Timeout(5)`` sets connect, read, write and pool to 5 s; ``Timeout(None)`` turns them all
    off; keyword phases override. Defaults: connect 10 s, read 30 s, write 30 s, pool 10 s,
    no total deadline.
    """

    __slots__ = ("_deadline", "connect", "pool", "read", "total", "write")
    connect: float | None
    read: float | None
    write: float | None
    pool: float | None
    total: float | None
    # When the total runs out (time.monotonic()), on the copy one call's requests carry
    # (``_until``): every request the call sends, hops and retries included, keeps to it.
    _deadline: float | None

    def __init__(
        self,
        timeout: _Seconds = UNSET,
        *,
        connect: _Seconds = UNSET,
        read: _Seconds = UNSET,
        write: _Seconds = UNSET,
        pool: _Seconds = UNSET,
        total: _Seconds = UNSET,
    ) -> None:
        defaults: dict[str, float | None] = {
            "connect": 10.0,
            "read": 30.0,
            "write": 30.0,
            "pool": 10.0,
            "total": None,
        }
        given = {"connect": connect, "read": read, "write": write, "pool": pool, "total": total}
        for name, default in defaults.items():
            value = given[name]
            if isinstance(value, UnsetType):
                if not isinstance(timeout, UnsetType) and name != "total":
                    value = timeout
                else:
                    value = default
            object.__setattr__(self, name, _seconds(name, value))
        object.__setattr__(self, "_deadline", None)

    def _until(self, deadline: float) -> Timeout:
        """This timeout, for one call whose total runs out at ``deadline``."""
        copy = object.__new__(Timeout)
        for name in ("connect", "read", "write", "pool", "total"):
            object.__setattr__(copy, name, getattr(self, name))
        object.__setattr__(copy, "_deadline", deadline)
        return copy

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Timeout is frozen; build a new one")

    def __setstate__(self, state: tuple[None, dict[str, typing.Any]]) -> None:
        for name, value in state[1].items():  # (unpickling: past the frozen __setattr__)
            object.__setattr__(self, name, value)

    def _astuple(self) -> tuple[float | None, ...]:
        return (self.connect, self.read, self.write, self.pool, self.total)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Timeout) and self._astuple() == other._astuple()

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __repr__(self) -> str:
        return (
            f"Timeout(connect={self.connect}, read={self.read}, write={self.write}, "
            f"pool={self.pool}, total={self.total})"
        )


TimeoutTypes = typing.Union[Timeout, float, None, typing.Tuple[float, float]]


def to_timeout(value: TimeoutTypes) -> Timeout:
    if isinstance(value, Timeout):
        return value
    if isinstance(value, tuple):  # requests' (connect, read): read bounds writes too
        if len(value) != 2:
            raise ValueError(f"timeout= as a tuple is (connect, read), as requests takes it, "
                             f"not {value!r}; restwell.Timeout(...) names every phase")
        connect, read = value
        return Timeout(connect=connect, read=read, write=read)
    return Timeout(value)


class Limits:
    """Pool sizes and the bounds that protect memory against a hostile server.

    ``max_connections`` counts every open connection of the pool; ``max_per_host`` those to one
    origin (``None``: same as ``max_connections``); ``max_idle`` how many idle connections are
    kept (as many as may be open, by default: a burst of concurrent requests that keeps more
    connections busy than are kept idle would otherwise close and reopen connections on every
    wave); ``idle_expiry`` seconds after which an idle one is closed. The header bounds apply to
    the response head and to trailers; ``max_decompressed_size`` bounds a body read whole
    (``None`` turns it off; streaming is bounded per read instead).
    """

    __slots__ = (
        "idle_expiry",
        "max_connections",
        "max_decompressed_size",
        "max_header_bytes",
        "max_header_count",
        "max_idle",
        "max_per_host",
    )
    max_connections: int | None
    max_per_host: int | None
    max_idle: int
    idle_expiry: float | None
    max_header_bytes: int
    max_header_count: int
    max_decompressed_size: int | None

    def __init__(
        self,
        *,
        max_connections: int | None = 100,
        max_per_host: int | None = None,
        max_idle: int = 100,
        idle_expiry: float | None = 5.0,
        max_header_bytes: int = 64 * 1024,
        max_header_count: int = 100,
        max_decompressed_size: int | None = 256 * 1024 * 1024,
    ) -> None:
        for name, value in (("max_connections", max_connections), ("max_per_host", max_per_host)):
            if value is not None and value < 1:
                raise ValueError(f"Limits({name}={value}): must be at least 1, or None")
        if max_idle < 0 or max_header_bytes < 1 or max_header_count < 1:
            raise ValueError("Limits: max_idle must be >= 0 and the header bounds >= 1")
        values = locals()
        for name in Limits.__slots__:
            object.__setattr__(self, name, values[name])

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Limits is frozen; build a new one")

    def __setstate__(self, state: tuple[None, dict[str, typing.Any]]) -> None:
        for name, value in state[1].items():  # (unpickling: past the frozen __setattr__)
            object.__setattr__(self, name, value)

    def _astuple(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in Limits.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Limits) and self._astuple() == other._astuple()

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in Limits.__slots__)
        return f"Limits({inner})"
