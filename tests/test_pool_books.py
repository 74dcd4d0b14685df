"""PoolBook, the pool's pure books, as tables: fake connections, a fake clock, fake waiters.

Both pools (``_io/_sync/_pool.py``, ``_io/_async/_pool.py``) are thin front ends over these
books, so the rules tested here (limits, expiry, eviction, who in line is served with what)
are the rules of both clients; ``tests/test_pool_waits.py`` checks them end to end.
"""

from __future__ import annotations

import typing

import pytest

import restwell
from restwell import Limits
from restwell._io import _books
from restwell._io._books import PoolBook, PoolKey, Waiter

K1: PoolKey = ("http", "one.example", 80)
K2: PoolKey = ("http", "two.example", 80)
K3: PoolKey = ("http", "three.example", 80)
KEYS = {"K1": K1, "K2": K2, "K3": K3}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(_books, "_monotonic", fake)
    return fake


class Conn:
    def __init__(self, name: str, key: PoolKey) -> None:
        self.name = name
        self.key = key
        self.idle_since = 0.0
        self.usable = True
        self.closed = False

    def is_usable(self) -> bool:
        return self.usable

    def close(self) -> None:
        assert not self.closed, f"{self.name} closed twice"
        self.closed = True

    def __repr__(self) -> str:
        return self.name


class FakeWaiter(Waiter[Conn]):
    __slots__ = ("left", "name", "woken")

    def __init__(self, name: str, key: PoolKey) -> None:
        super().__init__(key)
        self.name = name
        self.woken = 0
        self.left = False

    def gone(self) -> bool:
        return self.left

    def wake(self) -> None:
        self.woken += 1

    def __repr__(self) -> str:
        return self.name


Book = PoolBook[Conn]


def stats(book: Book) -> tuple[int, int, int]:
    s = book.stats()
    return s["total"], s["idle"], s["in_use"]


def per_host(book: Book) -> dict[str, int]:
    names = {key: name for name, key in KEYS.items()}
    return {names[key]: count for key, count in book._per_host.items()}


def open_conn(book: Book, name: str, key: PoolKey) -> Conn:
    """A slot reserved and its connection opened (held by a caller until released)."""
    assert book._reserve(key), f"no slot for {name}"
    return Conn(name, key)


def idle_conn(book: Book, name: str, key: PoolKey) -> Conn:
    conn = open_conn(book, name, key)
    book._put_back(conn, True)
    return conn


def line(book: Book) -> list[str]:
    return [typing.cast(FakeWaiter, w).name for w in book._waiters]


def join(book: Book, name: str, key: PoolKey) -> FakeWaiter:
    waiter = FakeWaiter(name, key)
    book._line_up(waiter)
    return waiter


# -- the books without waiters -------------------------------------------------------------


def test_reserve_then_release_reusable_keeps_it_idle_and_reuses_it(clock: Clock) -> None:
    book = Book(Limits())
    conn = open_conn(book, "c", K1)
    assert stats(book) == (1, 0, 1) and per_host(book) == {"K1": 1}
    clock.now = 1001.0
    book._put_back(conn, True)
    assert stats(book) == (1, 1, 0) and conn.idle_since == 1001.0 and not conn.closed
    assert book._take_idle(K1) is conn
    assert stats(book) == (1, 0, 1)
    assert book._take_idle(K1) is None  # nothing else idle
    assert book._take_idle(K2) is None  # nothing idle for another origin


def test_release_not_reusable_closes_and_frees_the_slot() -> None:
    book = Book(Limits())
    conn = open_conn(book, "c", K1)
    book._put_back(conn, False)
    assert conn.closed and stats(book) == (0, 0, 0) and per_host(book) == {}


def test_cancel_reservation_frees_the_slot() -> None:
    book = Book(Limits())
    assert book._reserve(K1) and book._reserve(K1)
    assert per_host(book) == {"K1": 2}
    book._drop_slot(K1)
    assert stats(book) == (1, 0, 1) and per_host(book) == {"K1": 1}
    book._drop_slot(K1)
    assert stats(book) == (0, 0, 0) and per_host(book) == {}


def test_the_newest_idle_connection_is_handed_out_first() -> None:
    book = Book(Limits())
    old, new = open_conn(book, "old", K1), open_conn(book, "new", K1)
    book._put_back(old, True)
    book._put_back(new, True)
    assert book._take_idle(K1) is new
    assert book._take_idle(K1) is old


@pytest.mark.parametrize(
    ("expiry", "age", "handed_out"),
    [
        (5.0, 0.0, True),
        (5.0, 4.99, True),
        (5.0, 5.0, False),  # at the expiry: closed
        (5.0, 60.0, False),
        (None, 10_000.0, True),  # no expiry
        (0.5, 0.4, True),
        (0.5, 0.6, False),
    ],
)
def test_idle_expiry(clock: Clock, expiry: float | None, age: float, handed_out: bool) -> None:
    book = Book(Limits(idle_expiry=expiry))
    conn = idle_conn(book, "c", K1)
    clock.now += age
    got = book._take_idle(K1)
    if handed_out:
        assert got is conn and not conn.closed and stats(book) == (1, 0, 1)
    else:
        assert got is None and conn.closed and stats(book) == (0, 0, 0)
        assert book._reserve(K1)  # the slot it held is free again


def test_expired_and_dead_idle_connections_are_skipped_for_a_live_one(clock: Clock) -> None:
    book = Book(Limits(idle_expiry=5.0))
    live = idle_conn(book, "live", K1)
    clock.now += 3
    dead = idle_conn(book, "dead", K1)
    clock.now += 1
    dead.usable = False  # the server closed it while idle
    assert book._take_idle(K1) is live
    assert dead.closed and not live.closed and stats(book) == (1, 0, 1)


@pytest.mark.parametrize(
    ("max_idle", "released", "idle", "closed"),
    [(0, 3, 0, 3), (1, 3, 1, 2), (2, 3, 2, 1), (5, 3, 3, 0)],
)
def test_max_idle(max_idle: int, released: int, idle: int, closed: int) -> None:
    book = Book(Limits(max_idle=max_idle))
    conns = [open_conn(book, f"c{i}", K1) for i in range(released)]
    for conn in conns:
        book._put_back(conn, True)
    assert stats(book) == (idle, idle, 0)
    assert sum(c.closed for c in conns) == closed


def test_max_per_host() -> None:
    book = Book(Limits(max_connections=10, max_per_host=2))
    assert book._reserve(K1) and book._reserve(K1)
    assert not book._reserve(K1)
    assert book._reserve(K2)  # another origin is not limited by K1's count
    assert per_host(book) == {"K1": 2, "K2": 1} and stats(book) == (3, 0, 3)
    book._drop_slot(K1)
    assert book._reserve(K1)


def test_max_connections_evicts_the_oldest_idle_connection_of_another_origin() -> None:
    book = Book(Limits(max_connections=3))
    first = idle_conn(book, "first", K2)
    second = idle_conn(book, "second", K3)
    open_conn(book, "busy", K1)
    assert stats(book) == (3, 2, 1)
    assert book._reserve(K1)  # full: closes an idle connection to make room
    assert first.closed and not second.closed
    assert stats(book) == (3, 1, 2) and per_host(book) == {"K1": 2, "K3": 1}


def test_max_connections_full_of_busy_connections_refuses() -> None:
    book = Book(Limits(max_connections=2))
    open_conn(book, "a", K1)
    open_conn(book, "b", K2)
    assert not book._reserve(K3)
    assert stats(book) == (2, 0, 2)


def test_a_full_host_does_not_close_another_origins_idle_connection() -> None:
    """Both limits reached: nothing can be reserved, so nothing is evicted for nothing."""
    book = Book(Limits(max_connections=2, max_per_host=1))
    open_conn(book, "busy", K1)
    other = idle_conn(book, "other", K2)
    assert not book._reserve(K1)
    assert not other.closed and stats(book) == (2, 1, 1)


def test_unlimited() -> None:
    book = Book(Limits(max_connections=None))
    for _ in range(1000):
        assert book._reserve(K1)
    assert stats(book) == (1000, 0, 1000)


# -- the line: who is served on each kind of free ------------------------------------------


class Scenario(typing.NamedTuple):
    limits: Limits
    busy: list[tuple[str, str]]  # (connection, origin) in use
    idle: list[tuple[str, str]]  # (connection, origin) idle, oldest first
    line: list[tuple[str, str]]  # (waiter, origin) in arrival order
    free: tuple[typing.Any, ...]  # (release, conn, reusable), (cancel, origin), (join, w, o)
    served: dict[str, str]  # waiter -> the connection it was handed, or "slot"
    left: list[str]  # the line afterwards
    closed: list[str]  # connections closed by the free


ISSUE = Limits(max_connections=2, max_per_host=1)
SCENARIOS = {
    # the issue: W1 blocked by K1's limit, W2 only by the total; B's host (K3) frees
    "issue: release reusable of a third origin serves the second waiter": Scenario(
        ISSUE, [("A", "K1"), ("B", "K3")], [], [("W1", "K1"), ("W2", "K2")],
        ("release", "B", True), {"W2": "slot"}, ["W1"], ["B"],
    ),
    "issue: release not reusable of a third origin serves the second waiter": Scenario(
        ISSUE, [("A", "K1"), ("B", "K3")], [], [("W1", "K1"), ("W2", "K2")],
        ("release", "B", False), {"W2": "slot"}, ["W1"], ["B"],
    ),
    "issue: a cancelled reservation of a third origin serves the second waiter": Scenario(
        ISSUE, [("A", "K1")], [], [("W1", "K1"), ("W2", "K2")],
        ("cancel", "K3"), {"W2": "slot"}, ["W1"], [],
    ),
    "issue: A's release serves W1 with A's connection": Scenario(
        ISSUE, [("A", "K1"), ("B", "K3")], [], [("W1", "K1"), ("W2", "K2")],
        ("release", "A", True), {"W1": "A"}, ["W2"], [],
    ),
    "issue: A's connection closes; W1 gets its slot": Scenario(
        ISSUE, [("A", "K1"), ("B", "K3")], [], [("W1", "K1"), ("W2", "K2")],
        ("release", "A", False), {"W1": "slot"}, ["W2"], ["A"],
    ),
    "same origin: first in, first served": Scenario(
        Limits(max_connections=1), [("A", "K1")], [], [("W1", "K1"), ("W2", "K1"), ("W3", "K1")],
        ("release", "A", True), {"W1": "A"}, ["W2", "W3"], [],
    ),
    "the first waiter that can go, in arrival order, across origins": Scenario(
        Limits(max_connections=1), [("A", "K3")], [], [("W1", "K2"), ("W2", "K1")],
        ("release", "A", False), {"W1": "slot"}, ["W2"], ["A"],
    ),
    "a reusable release is evicted for an earlier waiter of another origin": Scenario(
        Limits(max_connections=1), [("A", "K1")], [], [("W1", "K2"), ("W2", "K1")],
        ("release", "A", True), {"W1": "slot"}, ["W2"], ["A"],
    ),
    "a waiter that cannot use the slot is skipped and stays first": Scenario(
        Limits(max_connections=3, max_per_host=1), [("A", "K1"), ("B", "K2"), ("C", "K3")], [],
        [("W1", "K1"), ("W2", "K1"), ("W3", "K2")],
        ("release", "C", False), {}, ["W1", "W2", "W3"], ["C"],
    ),
    "a waiter blocked on its host is skipped for one behind it": Scenario(
        Limits(max_connections=3, max_per_host=1), [("A", "K1"), ("B", "K2"), ("C", "K3")], [],
        [("W1", "K1"), ("W2", "K1"), ("W3", "K2")],
        ("release", "B", True), {"W3": "B"}, ["W1", "W2"], [],
    ),
    "unlimited total, per-host limits: only the origin that freed is served": Scenario(
        Limits(max_connections=None, max_per_host=1), [("A", "K1"), ("B", "K2")], [],
        [("W1", "K1"), ("W2", "K2"), ("W3", "K1")],
        ("release", "A", True), {"W1": "A"}, ["W2", "W3"], [],
    ),
    "max_idle=0: a reusable release still serves the waiter (with a slot)": Scenario(
        Limits(max_connections=1, max_idle=0), [("A", "K1")], [], [("W1", "K1")],
        ("release", "A", True), {"W1": "slot"}, [], ["A"],
    ),
    "a new caller joins behind waiters and is served when it can go now": Scenario(
        Limits(max_connections=3, max_per_host=1), [("A", "K1"), ("B", "K2")], [],
        [("W1", "K1")], ("join", "N", "K3"), {"N": "slot"}, ["W1"], [],
    ),
    "a new caller does not pass a waiter for the same origin": Scenario(
        Limits(max_connections=2, max_per_host=1), [("A", "K1"), ("B", "K2")], [],
        [("W1", "K1")], ("join", "N", "K1"), {}, ["W1", "N"], [],
    ),
    "a new caller takes its idle connection when the waiters cannot": Scenario(
        Limits(max_connections=3, max_per_host=1), [("A", "K1"), ("B", "K2")], [("I", "K3")],
        [("W1", "K1")], ("join", "N", "K3"), {"N": "I"}, ["W1"], [],
    ),
    "a new caller evicts another origin's idle connection": Scenario(
        Limits(max_connections=3, max_per_host=2), [("A", "K1"), ("B", "K1")], [("I", "K3")],
        [("W1", "K1")], ("join", "N", "K2"), {"N": "slot"}, ["W1"], ["I"],
    ),
}


def run_scenario(s: Scenario) -> tuple[Book, dict[str, Conn], dict[str, FakeWaiter]]:
    book = Book(s.limits)
    conns = {name: open_conn(book, name, KEYS[key]) for name, key in s.busy}
    for name, key in s.idle:
        conns[name] = idle_conn(book, name, KEYS[key])
    kind = s.free[0]
    if kind == "cancel":  # a caller's reserved slot, its connection being opened ...
        assert book._reserve(KEYS[s.free[1]])
    waiters = {}
    for name, key in s.line:
        waiter = waiters[name] = join(book, name, KEYS[key])
        assert not waiter.served, f"{name} went at once: the scenario is wrong"
    if kind == "release":
        book._put_back(conns[s.free[1]], bool(s.free[2]))
        book._serve()
    elif kind == "cancel":  # ... which failed
        book._drop_slot(KEYS[s.free[1]])
        book._serve()
    else:
        waiters[s.free[1]] = join(book, s.free[1], KEYS[s.free[2]])
    return book, conns, waiters


@pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=list(SCENARIOS))
def test_who_is_served(scenario: Scenario) -> None:
    book, conns, waiters = run_scenario(scenario)
    served = {
        name: ("slot" if w.conn is None else w.conn.name)
        for name, w in waiters.items() if w.served
    }
    assert served == scenario.served
    assert line(book) == scenario.left
    assert sorted(n for n, c in conns.items() if c.closed) == sorted(scenario.closed)
    for name, w in waiters.items():  # woken once if served, never if not
        assert w.woken == (1 if name in scenario.served else 0), name
    total, idle, _ = stats(book)
    limits = scenario.limits
    assert limits.max_connections is None or total <= limits.max_connections
    assert limits.max_per_host is None or max(book._per_host.values()) <= limits.max_per_host
    assert idle == sum(len(v) for v in book._idle.values())


def test_releases_serve_same_origin_waiters_in_arrival_order() -> None:
    book = Book(Limits(max_connections=1))
    conn = open_conn(book, "c", K1)
    waiters = [join(book, f"W{i}", K1) for i in range(5)]
    order = []
    for _ in waiters:
        book._put_back(conn, True)
        book._serve()
        (served,) = [w for w in waiters if w.served and w.name not in order]
        order.append(served.name)
        assert served.conn is conn  # the same connection, never idle in between
        assert stats(book) == (1, 0, 1)
    assert order == ["W0", "W1", "W2", "W3", "W4"] and not book._waiters


def test_an_expired_idle_connection_found_by_a_new_caller_frees_its_slot(clock: Clock) -> None:
    book = Book(Limits(max_connections=4, max_per_host=2, idle_expiry=5.0))
    old, older = idle_conn(book, "old", K1), idle_conn(book, "older", K1)
    open_conn(book, "busy", K2)
    open_conn(book, "busy2", K2)
    blocked = join(book, "W", K2)  # K2 at its limit (and nothing evicted for it)
    assert not blocked.served and not old.closed
    clock.now += 10
    caller = join(book, "N", K1)  # both idle K1 connections expired: closed, one slot taken
    assert caller.served and caller.conn is None
    assert old.closed and older.closed
    assert not blocked.served and line(book) == ["W"]
    assert stats(book) == (3, 0, 3) and per_host(book) == {"K1": 1, "K2": 2}


def test_serving_continues_while_room_is_left() -> None:
    """Two slots free at once (two reservations given back): two waiters go."""
    book = Book(Limits(max_connections=2))
    assert book._reserve(K1) and book._reserve(K2)
    w1, w2, w3 = join(book, "W1", K3), join(book, "W2", K3), join(book, "W3", K3)
    book._drop_slot(K1)
    book._drop_slot(K2)
    book._serve()
    assert w1.served and w2.served and not w3.served and line(book) == ["W3"]
    assert stats(book) == (2, 0, 2)


def test_gone_waiters_are_skipped_and_dropped_from_the_head() -> None:
    book = Book(Limits(max_connections=1))
    conn = open_conn(book, "c", K1)
    w1, w2, w3 = join(book, "W1", K1), join(book, "W2", K1), join(book, "W3", K1)
    w1.left = True  # e.g. an asyncio waiter whose timer fired; its task has not run yet
    w2.left = True
    book._put_back(conn, True)
    book._serve()
    assert w3.served and w3.conn is conn and not (w1.served or w2.served)
    assert line(book) == [] and w1.woken == w2.woken == 0


# -- leaving the line ----------------------------------------------------------------------


def test_leave_unserved_just_leaves() -> None:
    book = Book(Limits(max_connections=1))
    open_conn(book, "c", K1)
    w1 = join(book, "W1", K1)
    join(book, "W2", K1)
    book._leave(w1)
    assert line(book) == ["W2"] and stats(book) == (1, 0, 1)
    book._leave(w1)  # twice (or already dropped as gone): no error
    assert line(book) == ["W2"]


def test_leave_after_being_handed_a_connection_gives_it_to_the_next() -> None:
    book = Book(Limits(max_connections=1))
    conn = open_conn(book, "c", K1)
    w1, w2 = join(book, "W1", K1), join(book, "W2", K1)
    book._put_back(conn, True)
    book._serve()
    assert w1.conn is conn
    book._leave(w1)  # cancelled after the hand-over
    assert w2.served and w2.conn is conn and not conn.closed and stats(book) == (1, 0, 1)


def test_leave_after_being_handed_a_slot_gives_it_back() -> None:
    book = Book(Limits(max_connections=1))
    assert book._reserve(K1)
    w1 = join(book, "W1", K2)
    book._drop_slot(K1)
    book._serve()
    assert w1.served and w1.conn is None and per_host(book) == {"K2": 1}
    w2 = join(book, "W2", K3)
    book._leave(w1)
    assert w2.served and w2.conn is None and per_host(book) == {"K3": 1}
    book._leave(w2)
    assert stats(book) == (0, 0, 0)


# -- close ---------------------------------------------------------------------------------


def test_close_closes_idle_fails_waiters_and_refuses_callers() -> None:
    book = Book(Limits(max_connections=2, max_per_host=1))
    idle = idle_conn(book, "idle", K2)
    busy = open_conn(book, "busy", K1)
    w1, w2 = join(book, "W1", K1), join(book, "W2", K1)
    w2.left = True
    book._close()
    assert idle.closed and not busy.closed
    assert isinstance(w1.error, restwell.ClientClosed) and w1.served and w1.woken == 1
    assert "closed while this request waited" in str(w1.error)
    assert w2.woken == 0 and w2.error is None  # gone already: not woken
    assert line(book) == [] and stats(book) == (1, 0, 1)
    assert book._take_idle(K2) is None and not book._reserve(K3)  # nothing for anyone
    with pytest.raises(restwell.ClientClosed, match="create a new one"):
        book._line_up(FakeWaiter("late", K1))
    book._put_back(busy, True)  # a request that was under way finishes: closed, not kept
    assert busy.closed and stats(book) == (0, 0, 0)
    book._leave(w1)  # a failed waiter has nothing to give back
    assert stats(book) == (0, 0, 0)


def test_repr_and_pool_timeout_message() -> None:
    book = Book(Limits(max_connections=2))
    open_conn(book, "c", K1)
    assert repr(book) == "<PoolBook total=1 idle=0 in_use=1>"
    error = book._timeout_error(K1, 0.5)
    assert isinstance(error, restwell.PoolTimeout)
    assert str(error) == (
        "no connection to http://one.example:80 became free within 0.5 s (1 open, limit 2); "
        "increase Limits(max_connections=...) or Timeout(pool=...)"
    )
