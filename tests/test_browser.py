"""The browser pass in real headless Chromium: contrast from real styles, hidden content, frames,
headings, video, isolation from other hosts, endless scripts, the engine route, our own report.

Skipped (with the reason) when Chromium is not installed, except in CI (CI=true), where a missing
browser fails: .ci/run installs it with tools/install-browser.
"""
from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from checkers import browser_axe
from checkers.browser import check_html_with_browser, render_and_run
from checkers.browser_map import NOT_RUN, RUN
from checkers.browser_pool import DriverPool, ServedPage, browser_installed
from checkers.engine import Context, check_bytes
from checkers.html import check_html
from tests.services import services_required
from tests.html_util import page

if not browser_installed():
    if services_required():
        pytest.fail("Chromium is missing in CI: tools/install-browser should have installed it",
                    pytrace=False)
    pytest.skip("Debian's chromium and chromium-driver are not installed (run tools/install-browser)",
                allow_module_level=True)

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def pool():
    with DriverPool(size=1, page_timeout=15, script_timeout=15) as p:
        yield p


def both(html: bytes, pool, base_url: str | None = "https://moodle.example/mod/page/view.php?id=7",
         **options):
    """Static findings and merged findings of one page."""
    ctx = Context(name="page.html", base_url=base_url, options=options)
    static = check_html(html, ctx)
    merged, _ = check_html_with_browser(html, ctx, static, pool=pool)
    return static[0], merged


def of(findings, rule, outcome=None):
    return [f for f in findings if f.rule == rule and (outcome is None or f.outcome == outcome)]


def passed_count(findings, rule) -> int:
    return sum(f.count for f in of(findings, rule, "passed"))


# ---------------------------------------------------------------- contrast and hidden content

def test_contrast_through_css_the_static_pass_cannot_resolve(pool):
    html = page('<main><h1>Week 1</h1><p class="pale">Pale text set through a CSS variable</p>'
                '<p class="dark">Dark text set through a CSS variable</p></main>',
                head="<title>t</title><style>:root{--pale:#aaaaaa;--dark:#222222}"
                     ".pale{color:var(--pale)} .dark{color:var(--dark)}</style>")
    static, merged = both(html, pool)
    assert [f.outcome for f in of(static, "text-contrast") if f.outcome != "passed"] == ["cantTell", "cantTell"]
    failed = of(merged, "text-contrast", "failed")
    assert [f.location.selector for f in failed] == ["body > main > p:nth-of-type(1)"]
    assert "2.32" in failed[0].message and failed[0].location.line == 1
    assert not of(merged, "text-contrast", "cantTell")
    assert passed_count(merged, "text-contrast") >= 1        # the dark paragraph, judged by the browser


def test_content_hidden_by_css_the_static_pass_cannot_resolve(pool):
    html = page('<main><h1>Images</h1><div class="gone"><img src="chart.png"></div>'
                '<img src="photo.png" id="shown"></main>',
                head="<title>t</title><style>@media screen { .gone { display: none } }</style>")
    static, merged = both(html, pool)
    assert len(of(static, "img-alt-missing", "failed")) == 2
    assert [f.location.selector for f in of(merged, "img-alt-missing", "failed")] == ["#shown"]


def test_scripted_content_is_judged_and_scripted_hiding_is_seen(pool):
    html = page('<main><h1>Scripted</h1><img id="late" src="x.png"><div id="box"></div></main>'
                "<script>document.getElementById('late').style.display='none';"
                "var i=document.createElement('img'); i.src='made.png';"
                "document.getElementById('box').appendChild(i);</script>")
    static, merged = both(html, pool)
    assert [f.location.selector for f in of(static, "img-alt-missing", "failed")] == ["#late"]
    assert [f.location.selector for f in of(merged, "img-alt-missing", "failed")] == ["#box > img"]


def test_fragment_contrast_failure_becomes_cant_tell_and_page_rules_do_not_run(pool):
    fragment = b'<p><span style="color:#999999">Read this before the lab.</span></p>'
    _, merged = both(fragment, pool)
    contrast = of(merged, "text-contrast")
    assert [f.outcome for f in contrast] == ["cantTell"]
    assert not of(merged, "axe-region") and not of(merged, "axe-landmark-one-main")
    assert not of(merged, "page-title") or of(merged, "page-title", "inapplicable")


# ---------------------------------------------------------------- frames, headings, video

def test_content_inside_frames_nested_too(pool):
    inner = "&lt;img src=deep.png&gt;"
    html = page('<main><h1>Frames</h1>'
                f'<iframe title="Quiz" srcdoc="<p>Quiz</p><img src=q.png><iframe title=inner srcdoc=\'{inner}\'></iframe>">'
                '</iframe></main>')
    _, merged = both(html, pool)
    selectors = sorted(f.location.selector for f in of(merged, "img-alt-missing", "failed"))
    assert selectors == ["body > main > iframe >>> body > iframe >>> body > img",
                         "body > main > iframe >>> body > img"]


def test_heading_order_one_finding_per_heading(pool):
    html = page("<main><h1>Course</h1><h3>Skipped a level</h3><h2>Back</h2></main>")
    static, merged = both(html, pool)
    assert [f.location.selector for f in of(static, "heading-order", "failed")] == ["body > main > h3"]
    failed = of(merged, "heading-order", "failed")
    assert [f.location.selector for f in failed] == ["body > main > h3"]
    assert failed[0].message == of(static, "heading-order", "failed")[0].message   # static wording kept


def test_video_without_captions_stays_failed_and_with_captions_passes(pool):
    html = page('<main><h1>Videos</h1><video id="bare" src="a.mp4" controls></video>'
                '<video id="good" src="b.mp4" controls><track kind="captions" src="b.vtt" srclang="en"></video></main>')
    _, merged = both(html, pool)
    assert [f.location.selector for f in of(merged, "video-captions", "failed")] == ["#bare"]
    assert not of(merged, "video-captions", "cantTell")
    assert passed_count(merged, "video-captions") == 1


def test_stylesheet_handed_over_by_name_is_served(pool):
    html = page('<main><h1>Styled</h1><p class="note">Styled in an external sheet</p></main>',
                head='<title>t</title><link rel="stylesheet" href="style.css">')
    ctx = Context(name="page.html", base_url="https://moodle.example/course/page.html",
                  sibling_data={"style.css": b".note{color:#bbbbbb}"})
    merged, _ = check_html_with_browser(html, ctx, check_html(html, ctx), pool=pool)
    assert [f.location.selector for f in of(merged, "text-contrast", "failed")] == ["body > main > p"]


# ---------------------------------------------------------------- isolation

class _Recorder(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):
        self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def recorders():
    """Two servers that record every request: another port on 127.0.0.1, and 127.0.0.2."""
    _Recorder.seen = []
    servers = [ThreadingHTTPServer((host, 0), _Recorder) for host in ("127.0.0.1", "127.0.0.2")]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    yield [f"{s.server_address[0]}:{s.server_address[1]}" for s in servers]
    for s in servers:
        s.shutdown()
        s.server_close()


def test_no_host_but_the_page_server_is_reached(pool, recorders):
    local, other = recorders
    body = (f'<main><h1>Leaky</h1><img alt="a" src="http://{local}/img.png">'
            f'<img alt="b" src="http://{other}/img.png"><img alt="c" src="http://localhost:{local.split(":")[1]}/l.png">'
            '<img alt="d" src="http://evil.example/x.png"><img alt="e" src="https://evil.example/y.png">'
            f'<iframe title="f" src="http://{other}/frame.html"></iframe>'
            f'<link rel="stylesheet" href="http://{local}/s.css"></main>'
            f'<script>fetch("http://{other}/api").catch(function(){{}});'
            f'new Image().src="http://evil.example/beacon";</script>')
    html = page(body)
    static = check_html(html, Context(name="leaky.html"))
    run = render_and_run(pool, ServedPage(url="http://oerlint.invalid/leaky.html", body=html),
                         list(RUN), [None] * len(static[0]), False)
    assert not isinstance(run, str), run
    assert _Recorder.seen == []                          # nothing reached the other servers
    refused = " ".join(run.refused)
    assert "http://evil.example/x.png" in refused        # handed to the proxy, never resolved
    assert "CONNECT evil.example:443" in refused
    assert f"http://{other}/img.png" in refused and f"http://{local}/img.png" in refused


def test_endless_scripts_time_out_cleanly_and_the_pool_recovers():
    with DriverPool(size=1, page_timeout=4, script_timeout=4) as short:
        endless = page("<main><h1>Spin</h1><img src='a.png'></main><script>while (true) {}</script>")
        static, merged = both(endless, short)
        note = of(merged, "axe-browser-pass", "cantTell")
        assert len(note) == 1 and "4 s" in note[0].message
        assert of(merged, "img-alt-missing", "failed") == of(static, "img-alt-missing", "failed")
        after_load = page("<main><h1>Spin later</h1></main><script>onload=function(){"
                          "setTimeout(function(){while(true){}},0)}</script>")
        _, merged = both(after_load, short)
        assert len(of(merged, "axe-browser-pass", "cantTell")) == 1
        fine = page("<main><h1>Fine</h1><img src='b.png'></main>")
        _, merged = both(fine, short)
        assert not of(merged, "axe-browser-pass")
        assert passed_count(merged, "axe-region") >= 1
        assert short.started == 3                       # a fresh driver after each timeout
        drivers = list(short._all)
    for d in drivers:                                    # closed with the pool: nothing left behind
        assert not Path(d.tmp).exists()


_STORE = """var done = arguments[0];
localStorage.setItem('k', '1'); sessionStorage.setItem('k', '1'); document.cookie = 'k=1; max-age=3600';
var open = indexedDB.open('db', 1);
open.onupgradeneeded = function () { open.result.createObjectStore('s'); };
open.onsuccess = function () {
  open.result.close();
  webkitRequestFileSystem(0, 1024, function (fs) {
    fs.root.getFile('f.txt', {create: true}, function () { done(true); }, function () { done(false); });
  }, function () { done(false); });
};"""
_SEEN = """var done = arguments[0];
indexedDB.databases().then(function (dbs) {
  webkitRequestFileSystem(0, 1024, function (fs) {
    fs.root.getFile('f.txt', {}, function () { report(true); }, function () { report(false); });
  });
  function report(file) {
    done({local: localStorage.getItem('k'), session: sessionStorage.getItem('k'), cookie: document.cookie,
          indexeddb: dbs.length, file: file, secure: isSecureContext,
          others: [typeof caches, typeof navigator.serviceWorker, typeof navigator.storage,
                   typeof window.sharedStorage, typeof window.openDatabase]});
  }
});"""


def test_nothing_a_page_stores_reaches_the_next_page(pool):
    from checkers.browser import _reset
    with pool.driver() as lease:
        d = lease.d
        for name in ("a.html", "b.html"):
            url = f"http://oerlint.invalid/{name}"
            d.server.set_page(ServedPage(url=url, body=page("<main><h1>Store</h1></main>")))
            d.driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
            d.driver.get(url)
            if name == "a.html":
                assert d.driver.execute_async_script(_STORE) is True
                _reset(d)
        seen = d.driver.execute_async_script(_SEEN)
    assert seen == {"local": None, "session": None, "cookie": "", "indexeddb": 0, "file": False,
                    "secure": False, "others": ["undefined"] * 5}   # no other storage on this origin


def test_driver_leaves_no_process_or_directory(pool):
    with DriverPool(size=1) as own:
        with own.driver() as lease:
            tmp, pids = lease.d.tmp, lease.d.pid_tree()
        assert Path(tmp).is_dir() and len(pids) >= 2
    import psutil
    assert not Path(tmp).exists()
    assert not [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]


def test_chromium_runs_behind_its_page_server_and_never_in_one_process(pool):
    import psutil
    with pool.driver() as lease:
        browser = [psutil.Process(pid).cmdline() for pid in lease.d.pid_tree()[1:2]][0]
        port = lease.d.server.port
    assert f"--proxy-server=http://127.0.0.1:{port}" in browser
    assert any(a.startswith("--host-resolver-rules=MAP * ~NOTFOUND") for a in browser)
    assert "--single-process" not in browser and "--no-zygote" not in browser


# ---------------------------------------------------------------- rules, engine, report

def test_every_bundled_axe_rule_is_run_or_left_out_with_a_reason(pool):
    with pool.driver() as lease:
        lease.d.driver.get("about:blank")
        browser_axe.inject_top(lease.d.driver)
        ids = set(lease.d.driver.execute_script("return axe.getRules().map(function(r){return r.ruleId})"))
        version = lease.d.driver.execute_script("return axe.version")
    assert version.startswith("4.") and int(version.split(".")[1]) >= 10
    assert ids == set(RUN) | set(NOT_RUN) and not set(RUN) & set(NOT_RUN)


def test_fast_colour_parsing_gives_exactly_what_axe_parses(pool):
    """The shortcut for computed rgb()/rgba() colours (browser_axe._FAST_COLOUR_JS) against axe's
    own colorjs parser: every channel value, fractional channels, alpha steps, and the forms the
    browser itself serialises, which must either match bit for bit or be left to axe."""
    script = r"""
      var Color = axe.commons.color.Color, fast = Color.prototype.parseString, own = fast.axeParse;
      var probe = document.createElement('div'), texts = [], served = [];
      document.body.appendChild(probe);
      for (var v = 0; v < 256; v++) {
        texts.push('rgb(' + v + ', ' + (255 - v) + ', ' + (v * 7 % 256) + ')');
        texts.push('rgba(' + (v * 13 % 256) + ', ' + v + ', 0, ' + String(Math.round(v / 0.255) / 1000) + ')');
        texts.push('rgb(' + (v / 2) + ', 1.25, 254.75)');
      }
      ['#abc', 'transparent', 'hsl(200 50% 40% / 0.3)', 'rgb(10 20 30 / 50%)', 'rgba(1,2,3,.123456)',
       'color-mix(in srgb, red 30%, blue)', 'oklch(0.7 0.1 200)', '#11223344'].forEach(function (c) {
        probe.style.color = c; served.push(getComputedStyle(probe).color); });
      var differ = [], keys = ['r', 'g', 'b', 'alpha', 'red', 'green', 'blue'];
      texts.concat(served).forEach(function (text) {
        var a = own.call(new Color(), text), b = fast.call(new Color(), text);
        // (+: colorjs gives Number objects for color() channels, distinct objects of equal value)
        keys.forEach(function (k) { if (!Object.is(+a[k], +b[k])) differ.push(text + ' ' + k); });
      });
      return {checked: texts.length + served.length, differ: differ, served: served};
    """
    with pool.driver() as lease:
        lease.d.driver.get("about:blank")
        browser_axe.inject_top(lease.d.driver)
        result = lease.d.driver.execute_script(script)
    assert result["checked"] == 776 and result["differ"] == []
    assert "rgba(51, 119, 153, 0.3)" in result["served"]          # the form the shortcut takes
    assert any(s.startswith(("color(", "oklch(")) for s in result["served"])   # left to axe


def test_engine_routes_html_only_through_the_browser():
    with DriverPool(size=1) as own:
        html = page("<main><h1>A</h1><h3>B</h3></main>")
        result = check_bytes(html, resource="p.html", name="p.html", options={"browser": own})
        assert own.started == 1
        assert any(f.rule.startswith("axe-") for f in result.findings)
        assert len([f for f in result.findings if f.rule == "heading-order" and f.outcome == "failed"]) == 1
        check_bytes(b"WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n", resource="c.vtt", name="c.vtt",
                    options={"browser": own})
        plain = check_bytes(html, resource="p.html", name="p.html")
        assert not any(f.rule.startswith("axe-") for f in plain.findings)
        assert own.started == 1 and own._idle.qsize() == 1


def test_our_html_report_passes_axe(pool):
    from reports import render
    pages = [page('<main><h1>Lab</h1><h3>Skip</h3><img src="a.png"><p style="color:#aaa">pale</p>'
                  '<a href="notes.pdf">here</a></main>'),
             page("<main><h1>Clean</h1><p>Fine.</p></main>")]
    results = [check_bytes(p, resource=f"lesson{i}.html", name=f"lesson{i}.html") for i, p in enumerate(pages)]
    for many, chosen in ((True, results), (False, results[:1])):
        report = render(chosen, "html", many=many, show_passed=True).encode()
        run = render_and_run(pool, ServedPage(url="http://oerlint.invalid/report.html", body=report),
                             list(RUN), [], False)
        assert not isinstance(run, str), run
        assert [(r.id, [n.key for n in r.nodes]) for r in run.violations] == []
