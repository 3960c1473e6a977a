"""Headless Chromium drivers for the browser pass: a lazily started pool, and a page server that
is each driver's only way out.

Isolation. Each driver is started with `--proxy-server` pointing at its own `PageServer` on
127.0.0.1 and `--proxy-bypass-list=<-loopback>` (Chromium otherwise sends loopback addresses
around the proxy), so every http(s) and WebSocket request of the page, to any host, IP literal or
port, reaches that server and nothing else. The server answers only the page under check (and
assets the caller handed over) at the page's own URL and refuses the rest without connecting
anywhere; `CONNECT` (https, wss) is always refused. `--host-resolver-rules="MAP * ~NOTFOUND,
EXCLUDE 127.0.0.1"` makes every name fail to resolve as a second wall, WebRTC may not send UDP
outside the proxy, downloads are denied, and the page's origin is plain http on a reserved name
(`oerlint.invalid`), which is not a secure context: no service workers. file: URLs are never
used (a page loaded from file: could read local files); data: URLs have an opaque origin, which
breaks same-origin frames and relative URLs.

Lifetime. A `Driver` owns a temporary directory (TMPDIR, so also the profile chromedriver makes
there; cache, downloads) that `close()` always removes after quitting Chromium and killing what is
left of its process tree. No --user-data-dir is passed: given one, chromedriver opens no first
page, and the headless shell then has none to drive. A driver
that timed out or failed is closed and replaced by a fresh one on the next page.
"""
from __future__ import annotations

import logging
import mimetypes
import os
import queue
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

# Debian's chromium-headless-shell when installed: the same Blink and V8 without the browser's own
# UI (tab strip, omnibox and its WebUI renderer), which in `chromium --headless` is still laid out
# and painted on every navigation: about a quarter less CPU per page (README, Benchmarks).
HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"
CHROMIUM = os.environ.get("OERLINT_CHROMIUM") or (
    HEADLESS_SHELL if os.access(HEADLESS_SHELL, os.X_OK) else "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("OERLINT_CHROMEDRIVER", "/usr/bin/chromedriver")
PAGE_HOST = "oerlint.invalid"       # reserved name (RFC 2606): on no HSTS list, resolvable nowhere
DEFAULT_PAGE_TIMEOUT = 20.0
DEFAULT_SCRIPT_TIMEOUT = 20.0
MAX_REFUSED_LOGGED = 200
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--no-default-browser-check", "--disable-extensions",
    "--disable-default-apps", "--disable-client-side-phishing-detection", "--mute-audio",
    "--block-new-web-contents", "--deny-permission-prompts", "--disable-notifications",
    "--dns-prefetch-disable", "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-bypass-list=<-loopback>", "--window-size=1280,1024",
)
_NOT_SERVED = b'<!doctype html><meta name="oerlint-not-served"><title>not served</title>'


class BrowserUnavailable(RuntimeError):
    """Chromium or its driver is missing or would not start."""


def browser_installed() -> bool:
    return os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)


# ---------------------------------------------------------------- the page server (a proxy)

@dataclass
class ServedPage:
    url: str                                     # http://oerlint.invalid/<path>
    body: bytes
    assets: dict[str, bytes] = field(default_factory=dict)   # absolute URL -> bytes


class PageServer:
    """Serves the page under check to one driver, acting as that driver's HTTP proxy."""

    def __init__(self) -> None:
        self.page: ServedPage | None = None
        self.refused: list[str] = []             # requests for anything else (never fetched)
        self.served: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server._answer(self, head=False)

            def do_HEAD(self) -> None:
                server._answer(self, head=True)

            def _refuse(self) -> None:
                server._note_refused(f"{self.command} {self.path}")
                self.send_response(403)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()

            do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_CONNECT = _refuse

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        # Chromium drops idle proxy connections; socketserver would print each reset to stderr.
        self._httpd.handle_error = lambda request, address: log.debug(
            "page server: connection from %s failed", address, exc_info=True)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="oerlint-page-server",
                                        daemon=True)
        self._thread.start()

    def set_page(self, page: ServedPage | None) -> None:
        """Serve this page from now on (None: serve nothing; the request logs stay readable)."""
        with self._lock:
            self.page = page
            if page is not None:
                self.refused = []
                self.served = []

    def _note_refused(self, what: str) -> None:
        with self._lock:
            if len(self.refused) < MAX_REFUSED_LOGGED:
                self.refused.append(what)

    def _answer(self, handler: BaseHTTPRequestHandler, head: bool) -> None:
        target = handler.path
        if not target.startswith("http://"):     # origin-form: only proxied requests are expected
            target = f"http://{handler.headers.get('Host', '')}{target}"
        with self._lock:
            page = self.page
        url = _without_fragment(target)
        body, kind = None, "text/html; charset=utf-8"
        if page is not None and url == page.url:
            body = page.body
        elif page is not None and url in page.assets:
            body = page.assets[url]
            kind = mimetypes.guess_type(urlsplit(url).path)[0] or "application/octet-stream"
        if body is None:
            self._note_refused(f"{handler.command} {target}")
            status, body = (404 if urlsplit(target).hostname == PAGE_HOST else 403), _NOT_SERVED
        else:
            with self._lock:
                self.served.append(url)
            status = 200
        handler.send_response(status)
        handler.send_header("Content-Type", kind if status == 200 else "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Cache-Control", "no-store")
        handler.end_headers()
        if not head:
            try:
                handler.wfile.write(body)
            except OSError:
                pass

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


# ---------------------------------------------------------------- one driver

class Driver:
    """One Chromium under chromedriver, with its page server and temporary directory."""

    def __init__(self, page_timeout: float = DEFAULT_PAGE_TIMEOUT,
                 script_timeout: float = DEFAULT_SCRIPT_TIMEOUT) -> None:
        os.environ.setdefault("SE_AVOID_STATS", "true")   # Selenium Manager must not phone home
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service

        if not browser_installed():
            raise BrowserUnavailable(f"Chromium is not installed ({CHROMIUM}, {CHROMEDRIVER}); "
                                     "run tools/install-browser")
        self.tmp = tempfile.mkdtemp(prefix="oerlint-chromium-")
        self.server = PageServer()
        self.driver = None
        self._service = None
        try:
            options = Options()
            options.binary_location = CHROMIUM
            for flag in CHROMIUM_FLAGS:
                options.add_argument(flag)
            options.add_argument(f"--proxy-server=http://127.0.0.1:{self.server.port}")
            options.add_argument(f"--disk-cache-dir={os.path.join(self.tmp, 'cache')}")
            downloads = os.path.join(self.tmp, "downloads")
            options.add_experimental_option("prefs", {
                "download_restrictions": 3, "download.default_directory": downloads,
                "download.prompt_for_download": False, "profile.default_content_setting_values": {
                    "notifications": 2, "geolocation": 2, "media_stream": 2, "popups": 2}})
            env = {**os.environ, "TMPDIR": self.tmp, "HOME": self.tmp, "SE_AVOID_STATS": "true"}
            self._service = Service(executable_path=CHROMEDRIVER, env=env, log_output=os.devnull)
            self.driver = webdriver.Chrome(service=self._service, options=options)
            # chromedriver's own timeouts, plus a cap on each HTTP call to it in case it hangs
            self.driver.set_page_load_timeout(page_timeout)
            self.driver.set_script_timeout(script_timeout)
            self.driver.command_executor.client_config.timeout = int(2 * (page_timeout + script_timeout) + 30)
            self.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "deny"})
        except Exception as exc:
            self.close()
            if isinstance(exc, WebDriverException):
                raise BrowserUnavailable(f"Chromium would not start: {exc.msg or type(exc).__name__}") from None
            raise
        self.pages = 0
        self.killed = False
        self.started = time.monotonic()

    def kill(self) -> None:
        """Kill chromedriver and Chromium at once (a watchdog's last resort: chromedriver does not
        always return when a page's script never yields); the blocked call then fails."""
        import psutil
        self.killed = True
        for pid in reversed(self.pid_tree()):
            try:
                psutil.Process(pid).kill()
            except psutil.Error:
                pass

    def pid_tree(self) -> list[int]:
        """chromedriver and every Chromium process under it."""
        import psutil
        process = getattr(self._service, "process", None)
        if process is None:
            return []
        try:
            root = psutil.Process(process.pid)
            return [root.pid] + [p.pid for p in root.children(recursive=True)]
        except psutil.Error:
            return []

    def close(self) -> None:
        """Quit Chromium, kill what survives, remove the temporary directory. Never raises."""
        import psutil
        leftovers = []
        try:
            leftovers = [psutil.Process(pid) for pid in self.pid_tree()]
        except psutil.Error:
            pass
        try:
            if self.driver is not None:
                self.driver.quit()
        except Exception as exc:
            log.debug("quitting chromium failed: %s", exc)
        finally:
            self.driver = None
            for proc in leftovers:
                try:
                    proc.kill()
                except psutil.Error:
                    pass
            psutil.wait_procs(leftovers, timeout=5)
            try:
                self.server.close()
            except Exception:
                pass
            shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------- the pool

class DriverPool:
    """Up to `size` drivers (default: one per core), started on first use and reused.

    `with pool.driver() as d:` lends one; a driver that the body marks `broken` (a timeout, a
    crash) is closed instead of returned, and the next borrower starts a fresh one.
    """

    def __init__(self, size: int | None = None, page_timeout: float = DEFAULT_PAGE_TIMEOUT,
                 script_timeout: float = DEFAULT_SCRIPT_TIMEOUT, max_pages: int = 500) -> None:
        self.size = max(1, size or os.cpu_count() or 1)
        self.page_timeout = page_timeout
        self.script_timeout = script_timeout
        self.max_pages = max_pages                   # a driver is renewed after this many pages
        self._idle: queue.LifoQueue[Driver] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(self.size)
        self._lock = threading.Lock()
        self._all: set[Driver] = set()
        self.started = 0                             # drivers started so far (for tests, bench)
        self.closed = False

    def driver(self) -> "_Lease":
        return _Lease(self)

    def _take(self) -> Driver:
        if self.closed:
            raise BrowserUnavailable("the browser pool is closed")
        self._slots.acquire()
        try:
            try:
                return self._idle.get_nowait()
            except queue.Empty:
                driver = Driver(self.page_timeout, self.script_timeout)
                with self._lock:
                    self._all.add(driver)
                    self.started += 1
                return driver
        except BaseException:
            self._slots.release()
            raise

    def _give_back(self, driver: Driver, broken: bool) -> None:
        try:
            driver.pages += 1
            if broken or self.closed or driver.pages >= self.max_pages:
                with self._lock:
                    self._all.discard(driver)
                driver.close()
            else:
                self._idle.put(driver)
        finally:
            self._slots.release()

    def close(self) -> None:
        self.closed = True
        with self._lock:
            drivers, self._all = list(self._all), set()
        for driver in drivers:
            driver.close()

    def __enter__(self) -> "DriverPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Lease:
    def __init__(self, pool: DriverPool) -> None:
        self.pool = pool
        self.broken = False
        self.d: Driver | None = None

    def __enter__(self) -> "_Lease":
        self.d = self.pool._take()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.d is not None:
            self.pool._give_back(self.d, self.broken or exc_type is not None)
