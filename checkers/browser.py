"""The browser pass: axe-core in headless Chromium, merged with the static HTML findings.

`check_html_with_browser(data, ctx, (findings, facts))` takes the static checker's result for a
page, renders the page in Chromium (checkers.browser_pool: a pool of reused drivers, each reaching
no host but its own page server), runs axe-core in every frame (checkers.browser_axe) and merges.
`checkers.engine.check_bytes(..., options={"browser": True})` calls it for HTML after the static
pass (`oerlint check --browser`, `browser: true` for a source in sources.yaml); the option may also
be a `DriverPool`, which is then used instead of the process-wide one.

The page is served at `http://oerlint.invalid/<the page's own path and query>`: relative and
root-relative URLs resolve to the same origin, where the server answers only the page itself
(and files the caller handed over in `ctx.sibling_data`, by name relative to the page). The
bytes are decoded as the static checker decodes them and served as UTF-8, so both passes read the
same text; a fragment gets `<!doctype html>` in front (it is shown in a standards-mode page).

Which axe rules run and what they report as: checkers/browser_map.py. axe's `violations` become
failed, `incomplete` cantTell, `passes` passed targets, `inapplicable` an inapplicable rule.

Merge rules (one finding per element and rule; elements compared in the browser's DOM):
1. Not rendered. A static failed/cantTell finding on an element the browser does not render
   (display:none or visibility:hidden from CSS the static pass could not resolve, or scripts) is
   dropped: nobody meets that content. Content of a closed <details> counts as shown (the reader
   can open it), and elements without a box by design (title, area, track...) are never dropped.
2. One pass only. An element judged by one pass only keeps that verdict (axe judges content made
   by scripts and inside frames; the static pass judges elements axe does not look at).
3. Undecided. A definite verdict (failed or passed) replaces a cantTell for the same rule and
   element, whichever pass gave it: contrast computed from real styles replaces "cannot be
   determined"; a static failure stands against axe's `video-caption` needs-review.
4. Disagreement, failed against passed, settled per rule family:
   - the browser wins for rules whose verdict depends on rendering, scripts or the computed
     accessible name (browser_map.BROWSER_WINS: text-contrast, text alternatives and names of
     images, objects, frames and links, empty headings, heading order, page title, page language):
     it saw the real styles, the DOM after scripts and the accessibility tree;
   - for the others (heading-fake vs p-as-heading, language tag validity, video captions, blink and
     marquee, decorative images, table header cells) both passes check the source with different
     heuristics or strictness, so a failure from either stands.
5. Agreement keeps the static finding (its wording names the Annex item, it has a line number).
6. Passed counts. Static passes carry no element: the merged count is the elements whose merged
   verdict is passed plus the static passes not accounted for by elements only the browser judged.
7. Fragments (no <html>/<head>/<body>/<title>): axe's page-level rules do not run (as the static
   page rules are inapplicable), and a contrast failure axe finds becomes cantTell, since the
   platform theme the fragment is shown in may set the background the browser did not see.
Axe-only rules report as `axe-<id>` with at most 50 listed problems per rule, like the static pass.

When the page cannot be checked in the browser (no Chromium, a page that does not load or a
script that never ends within the timeout, a crash), the static findings stand and one cantTell
`axe-browser-pass` finding says why; a driver that timed out is replaced by a fresh one.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from checkers import browser_axe
from checkers.browser_map import PAGE_LEVEL, RUN
from checkers.browser_merge import merge, static_selectors
from checkers.browser_pool import PAGE_HOST, BrowserUnavailable, DriverPool, ServedPage
from checkers.facts import ContentFacts
from checkers.findings import CANT_TELL, UNREADABLE, Finding, make_finding
from checkers.htmldoc import _FULL_DOC, decode
from rules.catalogue import catalogue

log = logging.getLogger(__name__)

BROWSER_RULE = "axe-browser-pass"
_default_pool: DriverPool | None = None
_pool_lock = threading.Lock()


def default_pool() -> DriverPool:
    """The process-wide pool (size OERLINT_BROWSER_DRIVERS, default one per core; page timeout
    OERLINT_BROWSER_TIMEOUT seconds), started lazily and closed at exit."""
    global _default_pool
    with _pool_lock:
        if _default_pool is None or _default_pool.closed:
            size = int(os.environ.get("OERLINT_BROWSER_DRIVERS", "0")) or None
            timeout = float(os.environ.get("OERLINT_BROWSER_TIMEOUT", "20"))
            _default_pool = DriverPool(size=size, page_timeout=timeout, script_timeout=timeout)
            atexit.register(_default_pool.close)
        return _default_pool


def page_url(base_url: str | None, name: str = "") -> str:
    """Where the page is served: its own path and query on the reserved host."""
    path = ""
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme in ("http", "https", "file"):
            path = parts.path + (f"?{parts.query}" if parts.query and parts.scheme != "file" else "")
    if not path.strip("/"):
        path = "/" + quote((name or "page.html").rsplit("/", 1)[-1])
    return f"http://{PAGE_HOST}{quote(path, safe='/%?=&;:@+,!$~*()')}"


def is_fragment(data: bytes, options: Any) -> bool:
    forced = (options or {}).get("html_fragment")
    return (not _FULL_DOC.search(data[:65536])) if forced is None else bool(forced)


def check_html_with_browser(data: bytes, ctx, static: tuple[list[Finding], ContentFacts],
                            pool: DriverPool | None = None) -> tuple[list[Finding], ContentFacts]:
    findings, facts = static
    if any(f.rule == UNREADABLE and f.location.is_empty() for f in findings):
        return findings, facts           # the static pass could not read the page: nothing to render
    options = getattr(ctx, "options", None) or {}
    if pool is None:
        chosen = options.get("browser")
        pool = chosen if isinstance(chosen, DriverPool) else default_pool()
    fragment = is_fragment(data, options)
    text, _ = decode(data)
    if fragment and not text.lstrip().lower().startswith("<!doctype"):
        text = "<!doctype html>\n" + text
    url = page_url(getattr(ctx, "base_url", None), getattr(ctx, "name", ""))
    assets = {urljoin(url, name): blob for name, blob in (getattr(ctx, "sibling_data", None) or {}).items()}
    page = ServedPage(url=url, body=text.encode("utf-8", errors="replace"), assets=assets)
    rules = [r for r in RUN if not (fragment and r in PAGE_LEVEL)]
    try:
        run = render_and_run(pool, page, rules, static_selectors(findings), fragment)
    except BrowserUnavailable as exc:
        return findings + [_not_checked(str(exc))], facts
    if isinstance(run, str):
        return findings + [_not_checked(run)], facts
    merged, _dropped = merge(findings, run, catalogue(), fragment=fragment)
    return merged, facts


def render_and_run(pool: DriverPool, page: ServedPage, rules: list[str], selectors: list[str | None],
                   fragment: bool) -> browser_axe.AxeRun | str:
    """axe results for the page, or a sentence saying why the browser could not give them."""
    from selenium.common.exceptions import TimeoutException, WebDriverException

    with pool.driver() as lease:
        d = lease.d
        # chromedriver's own timeouts do not cover every hang (a script that spins right after the
        # load event blocks `get` for good): past both timeouts the driver is killed.
        watchdog = threading.Timer(pool.page_timeout + pool.script_timeout + 5, d.kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            if not getattr(d, "axe_installed", False):
                browser_axe.install(d.driver)
                d.axe_installed = True
            d.server.set_page(page)
            d.driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
            d.driver.get(page.url)
            run = browser_axe.run(d.driver, rules, selectors, fragment)
            if run is None:              # the document was made without axe: inject it now
                browser_axe.inject_top(d.driver)
                run = browser_axe.run(d.driver, rules, selectors, fragment)
            if run is None:
                return "axe-core could not be loaded into the page"
            if run.url.split("#", 1)[0] != page.url:
                return f"the page navigated away (to {run.url[:120]}) before it could be checked"
            _reset(d)
            run.refused = list(d.server.refused)
            return run
        except Exception as exc:         # selenium, urllib3 (after a kill), axe errors alike
            lease.broken = True
            if isinstance(exc, TimeoutException) or d.killed:
                return (f"the page did not finish loading, or a script on it did not end, within "
                        f"{pool.page_timeout:g} s")
            log.warning("browser pass failed on %s: %s", page.url, exc)
            text = (getattr(exc, "msg", None) if isinstance(exc, WebDriverException) else None) \
                or str(exc) or type(exc).__name__
            return f"the browser failed on this page: {text.splitlines()[0][:200]}"
        finally:
            watchdog.cancel()
            d.server.set_page(None)


# What a page on http://oerlint.invalid can store: it is not a secure context, so Cache Storage,
# service workers, OPFS, storage buckets and shared storage do not exist there (WebSQL is gone).
# Naming these instead of "all" makes the call about 5 ms instead of 25-50 ms.
_PAGE_STORAGE = "cookies,local_storage,indexeddb,file_systems"


def _reset(d) -> None:
    """Leave nothing of this page for the next one: its storage and cookies go (local storage
    clears session storage too), and its scripts stop running while the driver waits (cheaper than
    navigating to about:blank)."""
    d.driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    d.driver.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": f"http://{PAGE_HOST}",
                                                            "storageTypes": _PAGE_STORAGE})


def _not_checked(reason: str) -> Finding:
    return make_finding(BROWSER_RULE, CANT_TELL, f"Not checked in a browser: {reason}; only the "
                        "static checks ran")
