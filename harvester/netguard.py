"""SSRF guard: which network addresses the fetcher may connect to.

A harvested record can point anywhere (a Moodle URL module, an OAI `dc:identifier`, a redirect), so
every connection is checked: the host is resolved with getaddrinfo and refused when ANY of its
addresses is loopback, private, link-local, multicast, reserved or unspecified (IPv4-mapped and
6to4/NAT64-embedded IPv4 forms included) — unless the operator allowed private addresses or
allowlisted the address, its network (CIDR) or the host name.

Refusing when any address is bad (not only the first) stops a name that answers with one public
and one internal address from being used to reach the internal one on a retry.
"""
from __future__ import annotations

import heapq
import ipaddress
import itertools
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Iterable

import certifi
from urllib3 import PoolManager
from urllib3 import connection as _u3conn
from urllib3 import connectionpool as _u3pool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection as _u3util

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges the ipaddress flags do not all cover (Python versions differ): carrier-grade NAT,
# benchmarking, the IPv6 documentation and discard ranges, NAT64 well-known prefix.
_EXTRA_BLOCKED = tuple(ipaddress.ip_network(n) for n in (
    "100.64.0.0/10", "198.18.0.0/15", "192.0.0.0/24", "2001:db8::/32", "100::/64",
))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(Exception):
    """Raised by `AddressGuard.check_host`; the fetcher turns it into `BlockedAddress`."""


def blocked_reason(ip: IPAddress) -> str | None:
    """Why this address must not be contacted, or None when it is an ordinary public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = blocked_reason(embedded)
            return f"{inner} (embedded in IPv6)" if inner else None
    for name in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    if any(ip in net for net in _EXTRA_BLOCKED if net.version == ip.version):
        return "reserved"
    if not ip.is_global:
        return "not globally routable"
    return None


@dataclass
class AddressGuard:
    allow_private: bool = False
    allowlist: Iterable[str] = ()
    _networks: list[IPNetwork] = field(init=False, default_factory=list)
    _hosts: set[str] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        for entry in self.allowlist:
            entry = str(entry).strip()
            if not entry:
                continue
            try:
                self._networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                self._hosts.add(entry.lower().rstrip("."))

    def address_allowed(self, ip: IPAddress) -> bool:
        return self.allow_private or any(ip in net for net in self._networks if net.version == ip.version)

    def check_ip(self, ip: IPAddress, host: str) -> None:
        reason = blocked_reason(ip)
        if reason and not self.address_allowed(ip):
            raise AddressRefused(f"refusing to connect to {host} ({ip}): {reason} address")

    def check_host(self, host: str, port: int) -> list[tuple]:
        """Resolve `host` and return getaddrinfo entries, all checked; raise AddressRefused."""
        name = host.lower().strip("[]").rstrip(".")
        try:
            infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise OSError(f"cannot resolve {host}: {exc.strerror}") from None
        if not infos:
            raise OSError(f"cannot resolve {host}: no address")
        if name in self._hosts:
            return infos
        for info in infos:
            ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
            self.check_ip(ip, host)
        return infos


# --- Transport: connections that check the address they connect to -------------------------------
#
# DNS rebinding: a name can resolve to a public address when checked and to 127.0.0.1 a moment
# later when the HTTP library resolves it again. So the check is done where the socket is made:
# the connection resolves the name once, checks every address and connects to one of those very
# addresses (pinning). TLS still verifies the certificate against the host name, and the Host
# header is untouched, because only the socket's peer address is chosen here.

_current = threading.local()


class Watchdog:
    """Cuts a fetch off at its total deadline by shutting its socket down.

    A read timeout only bounds the wait for ONE recv; a server sending a byte every few seconds
    never trips it. Shutting the socket down makes the blocked read return at once. The deadlines
    of all fetches are watched by one thread per process (`_DeadlineWatcher`), not a timer thread
    per fetch: starting a thread cost more than a 304 answer.
    """

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.expired = False
        self.done = False
        self.queued = False      # in the watcher's heap; both flags are guarded by its lock
        self.cancelled = False   # ... and finished before its deadline
        self._socks: list = []
        self._lock = threading.Lock()

    def __enter__(self) -> "Watchdog":
        _current.watchdog = self
        _watcher.add(self)
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self.done = True   # a late cut must not reach a socket now back in the pool
            self._socks.clear()
        _watcher.discard(self)
        _current.watchdog = None

    def attach(self, sock) -> None:
        if sock is None:
            return
        with self._lock:
            self._socks.append(sock)
            fire_now = self.expired
        if fire_now:
            self._shutdown(sock)

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True
            socks = list(self._socks)
        for sock in socks:
            self._shutdown(sock)

    @staticmethod
    def _shutdown(sock) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _DeadlineWatcher:
    """One daemon thread that fires each Watchdog at its deadline (a heap ordered by deadline).

    Started on first use, and again in a forked child (which inherits no threads). A fetch that
    finishes early is only marked cancelled in the heap; the heap is rebuilt without those when
    they are the majority, so it stays about as large as the number of fetches in flight.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Watchdog]] = []
        self._order = itertools.count()   # ties in deadline never compare Watchdogs
        self._finished = 0
        self._thread: threading.Thread | None = None

    def add(self, watchdog: Watchdog) -> None:
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="oerlint-deadlines", daemon=True)
                self._thread.start()
            heapq.heappush(self._heap, (watchdog.deadline, next(self._order), watchdog))
            watchdog.queued = True
            if self._heap[0][2] is watchdog:   # a new earliest deadline: wake the thread to re-time
                self._cond.notify()

    def discard(self, watchdog: Watchdog) -> None:
        with self._cond:
            if not watchdog.queued:   # already taken out at its deadline
                return
            watchdog.cancelled = True
            self._finished += 1
            if self._finished > 64 and self._finished * 2 > len(self._heap):
                self._heap = [entry for entry in self._heap if not entry[2].cancelled]
                heapq.heapify(self._heap)
                self._finished = 0

    def _due(self) -> list[Watchdog]:
        """Pop the watchdogs whose deadline has come (the lock held); wait for the next one."""
        now = time.monotonic()
        due = []
        while self._heap and self._heap[0][0] <= now:
            watchdog = heapq.heappop(self._heap)[2]
            watchdog.queued = False
            if watchdog.cancelled:
                self._finished -= 1
            else:
                due.append(watchdog)
        if not due:
            self._cond.wait(self._heap[0][0] - now if self._heap else None)
        return due

    def _run(self) -> None:
        while True:
            with self._cond:
                due = self._due()
            for watchdog in due:   # outside the lock: fetches go on starting meanwhile
                watchdog.fire()


_watcher = _DeadlineWatcher()
os.register_at_fork(after_in_child=_watcher._reset)


def _watch(sock) -> None:
    watchdog = getattr(_current, "watchdog", None)
    if watchdog is not None:
        watchdog.attach(sock)


class _GuardedConnectionMixin:
    guard: AddressGuard  # set on the per-fetcher subclass

    def _new_conn(self):
        try:
            infos = self.guard.check_host(self.host, self.port)
        except AddressRefused:
            raise
        except OSError as exc:
            raise NewConnectionError(self, str(exc)) from None
        last_error: Exception | None = None
        for family, socktype, proto, _name, addr in infos:
            try:
                sock = _u3util.create_connection(
                    (addr[0], addr[1]), self.timeout,
                    source_address=self.source_address, socket_options=self.socket_options)
            except TimeoutError as exc:
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out (connect timeout={self.timeout})") from exc
            except OSError as exc:
                last_error = exc
                continue
            _watch(sock)
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {last_error}")

    def getresponse(self, *args, **kwargs):
        _watch(self.sock)   # after connect and TLS: the socket the response is read from
        return super().getresponse(*args, **kwargs)


def guarded_pool_manager(guard: AddressGuard, pool_size: int = 10) -> PoolManager:
    """A urllib3 PoolManager whose pools only open guarded, watchdog-aware sockets.

    urllib3 directly rather than through requests: a conditional GET answered 304 cost half as
    much CPU without requests' per-request preparation, and a sweep makes one per file. Like a
    requests session with trust_env off, it never uses an environment proxy (which would connect
    for us, past the guard); certificates are checked against certifi's bundle, as requests does.
    `pool_size` connections per host are kept alive.
    """
    attrs = {"guard": guard}
    http_conn = type("GuardedHTTPConnection", (_GuardedConnectionMixin, _u3conn.HTTPConnection), attrs)
    https_conn = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, _u3conn.HTTPSConnection), attrs)
    manager = PoolManager(num_pools=4, maxsize=pool_size, retries=False, cert_reqs="CERT_REQUIRED",
                          ca_certs=certifi.where())
    manager.pool_classes_by_scheme = {
        "http": type("GuardedHTTPPool", (_u3pool.HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSPool", (_u3pool.HTTPSConnectionPool,), {"ConnectionCls": https_conn})}
    return manager
