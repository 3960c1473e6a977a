"""Run axe-core on the page a driver has loaded; return compact, frame-qualified results.

axe-core comes from axe-selenium-python's bundle (axe-core 4.10.2). It is not injected with that
package's `Axe.inject()`, which reaches only the top document: `install()` registers it with
Chromium (`Page.addScriptToEvaluateOnNewDocument`) so that it is evaluated in every frame, nested
ones too, before the page's own scripts run. That also keeps it clear of pages that use an AMD
loader (Moodle's RequireJS), where axe would register as a module instead of a global. axe is kept
under a non-writable name (`__oerlintAxe`) so that page scripts cannot replace it.

`run()` calls `axe.run` on the top document with `iframes: true`: axe collects every frame's
results itself and qualifies their targets with the frame selectors. In the same script, before
anything crosses the wire, each result node gets the selector oerlint uses everywhere (the same
form as the static checker's `Page.selector`, frames joined with " >>> "), and the static
findings' selectors are resolved in the same DOM, so the merge can compare elements, not strings.
Options travel as a JSON string and are parsed in the page.

Cost (bench/browser.py). Two things cut axe's CPU per page by about 40% without changing a single
result (the whole AxeRun compared before and after on course pages, a Moodle page, frames, a
colour-format torture page): axe builds no selectors of its own for top-document nodes
(`selectors: false`; `elementRef` hands over the elements, and nodes inside frames keep theirs),
and computed `rgb()`/`rgba()` colours skip colorjs (`_FAST_COLOUR_JS`). Left as they are, on
purpose: `resultTypes: ["violations", "incomplete"]` would cut `passes` to one node per rule, but
the merge needs every passing element (a browser pass replaces a static cantTell on that element,
and the merged passed count subtracts the elements only the browser judged), and it saves little
once no selectors are built; `noHtml` would drop the evidence of problems; the `v1` reporter's work
per node is small without selectors.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from checkers.browser_map import NO_BOX_TAGS

MAX_NODES_PER_RULE = 500       # nodes returned per rule and result type; passes beyond are counted
FRAME_WAIT_MS = 5000


@cache
def axe_source() -> str:
    from axe_selenium_python import axe as axe_module
    path = Path(axe_module._DEFAULT_SCRIPT)
    return path.read_text(encoding="utf-8")


def axe_version() -> str:
    head = axe_source()[:200]
    marker = "axe v"
    start = head.find(marker)
    return head[start + len(marker):].split()[0] if start >= 0 else "unknown"


@cache
def _wrapped_source() -> str:
    # define/module/exports shadowed: axe takes its global form even where a loader exists.
    return ("(function(define, module, exports){\n" + axe_source() + "\n"
            "try { Object.defineProperty(window, '__oerlintAxe', {value: window.axe, writable: false,"
            " configurable: false}); } catch (e) {}\n" + _FAST_COLOUR_JS + "}).call(window);")


# axe parses every computed colour through colorjs.io (`new Color(text).to("srgb")`), a quarter
# of its time on an ordinary page. Computed styles serialise sRGB colours as `rgb(R, G, B)` or
# `rgba(R, G, B, A)`; for exactly that form the channels are R/255, G/255, B/255 and the alpha A,
# bit for bit what colorjs gives (checked on every channel value, halves and alpha steps: tests/
# test_browser.py); anything else (color(), oklch(), keywords) still goes to axe's own parser.
_FAST_COLOUR_JS = r"""
(function (Color) {
  if (!Color || typeof Color.prototype.parseString !== 'function') return;
  var parse = Color.prototype.parseString;
  var RGB = /^rgba?\((\d{1,3}(?:\.\d+)?), (\d{1,3}(?:\.\d+)?), (\d{1,3}(?:\.\d+)?)(?:, (0|1|0?\.\d+))?\)$/;
  function parseComputed(text) {
    var m = typeof text === 'string' && RGB.exec(text);
    if (!m || m[1] > 255 || m[2] > 255 || m[3] > 255) return parse.call(this, text);
    this.r = m[1] / 255; this.g = m[2] / 255; this.b = m[3] / 255;
    this.alpha = m[4] === undefined ? 1 : +m[4];
    return this;
  }
  parseComputed.axeParse = parse;
  Color.prototype.parseString = parseComputed;
})(window.axe && window.axe.commons && window.axe.commons.color && window.axe.commons.color.Color);
"""


def install(driver) -> None:
    """Make Chromium evaluate axe in every new document of this driver (all frames)."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _wrapped_source()})


def inject_top(driver) -> None:
    """Fallback when the page's document was created without axe (it should not happen)."""
    driver.execute_script(_wrapped_source())


@dataclass
class AxeNode:
    key: str                 # oerlint selector, frame-qualified
    html: str = ""
    message: str = ""


@dataclass
class AxeRule:
    id: str
    nodes: list[AxeNode] = field(default_factory=list)
    extra: int = 0           # nodes beyond MAX_NODES_PER_RULE (counted, not listed)


@dataclass
class AxeRun:
    url: str
    violations: list[AxeRule]
    incomplete: list[AxeRule]
    passes: list[AxeRule]
    inapplicable: list[str]
    static: list[dict[str, Any] | None]    # per static selector: {"key", "hidden"} or None
    version: str = ""
    refused: list[str] = field(default_factory=list)   # requests the page server refused


def run(driver, rules: list[str], static_selectors: list[str | None], fragment: bool) -> AxeRun | None:
    """axe results for the loaded page, or None when axe is not present in it."""
    # elementRef: top-document nodes come back as elements, keyed by `canon` in the page; axe's own
    # selectors are then only needed for nodes inside frames (axe keeps them there whatever
    # `selectors` says), so it is spared building one for every node and related node.
    options = {"runOnly": {"type": "rule", "values": rules}, "preload": False, "elementRef": True,
               "selectors": False, "ancestry": False, "xpath": False,
               "iframes": True, "frameWaitTime": FRAME_WAIT_MS, "performanceTimer": False}
    raw = driver.execute_async_script(_RUN_JS, json.dumps(options), static_selectors, not fragment,
                                      MAX_NODES_PER_RULE, sorted(NO_BOX_TAGS))
    if not raw or raw.get("missing"):
        return None
    if raw.get("error"):
        raise RuntimeError(f"axe-core failed: {raw['error'][:300]}")

    def rules_of(kind: str) -> list[AxeRule]:
        return [AxeRule(r["id"], [AxeNode(**n) for n in r["nodes"]], r.get("extra", 0))
                for r in raw[kind]]

    return AxeRun(url=raw["url"], violations=rules_of("violations"), incomplete=rules_of("incomplete"),
                  passes=rules_of("passes"), inapplicable=list(raw["inapplicable"]),
                  static=list(raw["static"]), version=raw.get("version", ""))


_RUN_JS = r"""
var done = arguments[arguments.length - 1];
var options = JSON.parse(arguments[0]), staticSelectors = arguments[1], anchoredTop = arguments[2];
var cap = arguments[3], noBox = new Set(arguments[4]);
var axe = window.__oerlintAxe || window.axe;
if (!axe || typeof axe.run !== 'function') { done({missing: true}); return; }
var IDENT = /^-?[_a-zA-Z][_a-zA-Z0-9-]*$/;

function lower(el) { return (el.localName || el.nodeName || '').toLowerCase(); }

// The same selector as checkers/htmldoc.py Page.selector: an id that is unique and a CSS
// identifier stops the walk; otherwise tag, with :nth-of-type when a sibling has the same tag.
function canon(el, anchored) {
  var parts = [], node = el, doc = el.ownerDocument, anch = false;
  while (node && node.nodeType === 1) {
    var tag = lower(node);
    if (tag === 'html' || tag === 'body') { anch = tag === 'body' && anchored; break; }
    var id = node.getAttribute('id');
    if (id && IDENT.test(id) && doc.getElementById(id) === node) { parts.push('#' + id); break; }
    var parent = node.parentElement;
    if (!parent) { parts.push(tag); break; }
    var before = 0, after = false, s;
    for (s = node.previousElementSibling; s; s = s.previousElementSibling) if (lower(s) === tag) before++;
    for (s = node.nextElementSibling; s; s = s.nextElementSibling) if (lower(s) === tag) { after = true; break; }
    parts.push(before || after ? tag + ':nth-of-type(' + (before + 1) + ')' : tag);
    node = parent;
  }
  var path = parts.reverse().join(' > ');
  if (anch) return path ? 'body > ' + path : 'body';
  return path || lower(el);
}

// Not rendered at all (display:none, visibility:hidden, here or above); content of a closed
// <details> counts as shown (the reader can open it), elements without a box by design too.
function notRendered(el) {
  if (noBox.has(lower(el)) || !el.checkVisibility) return false;
  var closed = el.closest('details:not([open])');
  if (closed) {
    var summary = closed.querySelector(':scope > summary');
    if (!(summary && summary.contains(el))) return false;
  }
  return !el.checkVisibility({checkVisibilityCSS: true, visibilityProperty: true});
}

function select(doc, part) {
  if (Array.isArray(part)) {            // a path through shadow roots
    var el = doc.querySelector(part[0]);
    for (var i = 1; el && i < part.length; i++) el = el.shadowRoot && el.shadowRoot.querySelector(part[i]);
    return el;
  }
  return doc.querySelector(part);
}

function served(doc) { return !doc.querySelector('meta[name="oerlint-not-served"]'); }

// A node's key; null when it lies in a frame whose content we did not serve (another host,
// a missing file): such content was never available to check.
function nodeKey(node) {
  if (node.element) return canon(node.element, anchoredTop);     // a node of the top document
  if (!node.target) return null;
  var doc = document, keys = [], el = null;
  for (var i = 0; i < node.target.length; i++) {
    try { el = select(doc, node.target[i]); } catch (e) { el = null; }
    if (!el) return node.target.map(String).join(' >>> ');
    keys.push(canon(el, i === 0 ? anchoredTop : true));
    if (i < node.target.length - 1) {
      var inner = null;
      try { inner = el.contentDocument; } catch (e) { inner = null; }
      if (!inner || !served(inner)) return null;
      doc = inner;
    }
  }
  return keys.join(' >>> ');
}

function messages(node) {
  var out = [];
  ['none', 'all', 'any'].forEach(function (k) {
    (node[k] || []).forEach(function (c) { if (c.message && out.indexOf(c.message) < 0) out.push(c.message); });
  });
  return out.slice(0, 3).join('; ');
}

function compact(list, detailed) {
  return list.map(function (rule) {
    var nodes = [], extra = 0;
    rule.nodes.forEach(function (node) {
      var key = nodeKey(node);
      if (key === null) return;
      if (nodes.length >= cap) { extra++; return; }
      nodes.push(detailed ? {key: key, html: (node.html || '').slice(0, 400), message: messages(node)}
                          : {key: key});
    });
    return {id: rule.id, nodes: nodes, extra: extra};
  });
}

function resolveStatic() {
  return staticSelectors.map(function (sel) {
    if (!sel) return null;
    var el = null;
    try { el = document.querySelector(sel); } catch (e) { return null; }
    return el ? {key: canon(el, anchoredTop), hidden: notRendered(el)} : null;
  });
}

axe.run(document, options).then(function (r) {
  try {
    done({url: location.href, version: axe.version,
          violations: compact(r.violations, true), incomplete: compact(r.incomplete, true),
          passes: compact(r.passes, false), inapplicable: r.inapplicable.map(function (x) { return x.id; }),
          static: resolveStatic()});
  } catch (e) { done({error: String(e && e.stack || e)}); }
}, function (e) { done({error: String(e && e.stack || e)}); });
"""
