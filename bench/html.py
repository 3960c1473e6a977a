"""HTML checker throughput: pages per second (per core, from CPU time, and wall clock) and peak
memory on generated course pages of about 2 KB, 10 KB and 100 KB and on a generated Moodle 4.x
course page (one process, one core). Target: >= 500 pages/s per core on 10 KB pages."""
from __future__ import annotations

import random
import resource
import time

from checkers.engine import Context
from checkers.html import check_html

SIZES = (("small", 2_000), ("medium", 10_000), ("large", 100_000))
SECONDS_PER_SIZE = 3.0

_WORDS = ("learning objectives module bridge load structure student exercise assessment energy "
          "material design analysis method result chapter week reading lecture example data").split()


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n)).capitalize() + "."


def _block(rng: random.Random, i: int) -> str:
    kind = i % 9
    if kind == 0:
        return f"<h{2 + i % 3}>{_sentence(rng, 4)}</h{2 + i % 3}>"
    if kind == 1:
        return f'<p>{_sentence(rng, 25)} See the <a href="/mod/page/view.php?id={i}">week {i} reading</a>.</p>'
    if kind == 2:
        return f'<p><img src="/pluginfile.php/{i}/figure_{i}.png" alt="{_sentence(rng, 6)}"> {_sentence(rng, 12)}</p>'
    if kind == 3:
        items = "".join(f"<li>{_sentence(rng, 6)}</li>" for _ in range(4))
        return f"<ul>{items}</ul>"
    if kind == 4:
        rows = "".join(f"<tr><th scope=\"row\">R{r}</th><td>{r * 3}</td><td>{_sentence(rng, 2)}</td></tr>"
                       for r in range(4))
        return f"<table><caption>Results {i}</caption><tr><th>Row</th><th>Value</th><th>Note</th></tr>{rows}</table>"
    if kind == 5:
        return f'<p style="color:#333">{_sentence(rng, 20)} <span style="color:#c00"><strong>Note</strong></span></p>'
    if kind == 6:
        return f'<p class="info">{_sentence(rng, 18)} <a href="files/notes{i}.pdf">Notes (PDF)</a></p>'
    if kind == 7:
        return f"<p>{_sentence(rng, 30)}</p>"
    return f'<div class="box"><p>{_sentence(rng, 15)}</p><p><em>{_sentence(rng, 5)}</em></p></div>'


def make_page(size: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    head = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Course page</title>'
            '<style>.info{color:#222;background:#f4f4f4} .box p{font-size:14px} h2{color:#0b3d91}</style>'
            '</head><body><main><h1>Statics and structures</h1>')
    parts, total, i = [head], len(head), 0
    while total < size:
        block = _block(rng, i)
        parts.append(block)
        total += len(block)
        i += 1
    parts.append("</main></body></html>")
    return "".join(parts).encode()


def _moodle_activity(rng: random.Random, course: int, n: int) -> str:
    kind = rng.choice(("page", "resource", "url", "forum", "quiz", "label", "assign"))
    url = f"https://moodle.example.org/mod/{kind}/view.php?id={course * 100 + n}"
    if kind == "label":  # author content pasted into the course page
        content = rng.choice((
            f'<p>{_sentence(rng, 30)}</p><p><img src="https://moodle.example.org/pluginfile.php/{n}/mod_label/intro/'
            f'diagram_{n}.png" alt="{_sentence(rng, 5)}" width="400" height="300" class="img-fluid atto_image_button_text-bottom"></p>',
            f'<p dir="ltr" style="text-align: left;"><strong>{_sentence(rng, 3)}</strong></p><p>{_sentence(rng, 40)}</p>',
            f'<div class="mediaplugin mediaplugin_youtube"><iframe width="400" height="300" src="https://www.youtube.com/embed/abc{n}" '
            f'title="{_sentence(rng, 3)}" frameborder="0" allowfullscreen></iframe></div>',
            f'<table class="generaltable"><caption>{_sentence(rng, 3)}</caption><thead><tr><th scope="col">Week</th>'
            f'<th scope="col">Topic</th></tr></thead><tbody>' + "".join(
                f"<tr><td>{w}</td><td>{_sentence(rng, 4)}</td></tr>" for w in range(1, 6)) + "</tbody></table>",
            f'<p><span style="color: rgb(239, 69, 64);">{_sentence(rng, 6)}</span> {_sentence(rng, 12)} '
            f'<a href="https://example.org/reading{n}" target="_blank">here</a>.</p>'))
        return (f'<li class="activity activity-wrapper label modtype_label" id="module-{n}" data-for="cmitem" data-id="{n}">'
                f'<div class="activity-item focus-control activityinline" data-activityname="label {n}" data-region="activity-card">'
                f'<div class="activity-grid noname-grid"><div class="activity-altcontent contentwithoutlink d-flex">'
                f'<div class="no-overflow"><div class="no-overflow">{content}</div></div></div></div></div></li>')
    name = _sentence(rng, 3).rstrip(".")
    return (f'<li class="activity activity-wrapper {kind} modtype_{kind} hasinfo" id="module-{n}" data-for="cmitem" data-id="{n}">'
            f'<div class="activity-item focus-control " data-activityname="{name}" data-region="activity-card">'
            f'<div class="activity-grid "><div class="activity-icon activityiconcontainer smaller {kind} courseicon align-self-start mr-2">'
            f'<img src="https://moodle.example.org/theme/image.php/boost/{kind}/1700000000/monologo?filtericon=1" '
            f'class="activityicon " alt="" role="presentation"></div>'
            f'<div class="activity-name-area activity-instance d-flex flex-column mr-2"><div class="activitytitle modtype_{kind} position-relative align-self-start">'
            f'<div class="activityname"><a href="{url}" class=" aalink stretched-link" onclick="">'
            f'<span class="instancename">{name} <span class="accesshide "> {kind.capitalize()}</span></span></a></div></div></div>'
            f'<div class="activity-completion align-self-start ml-sm-2"><button class="btn btn-outline-secondary btn-sm text-nowrap" '
            f'data-action="toggle-manual-completion" data-toggletype="manual:mark-done" data-cmid="{n}" '
            f'title="Mark {name} as done" aria-label="Mark {name} as done">Mark as done</button></div>'
            f'<div class="activity-altcontent d-flex text-break "><div class="no-overflow"><div class="no-overflow">'
            f'<p dir="ltr" style="text-align: left;">{_sentence(rng, 15)}</p></div></div></div>'
            f'<div class="activity-dates course-description-item small"><div class="description-inner">'
            f'<div><strong>Opened:</strong> Monday, 2 September 2024, 12:00 AM</div></div></div>'
            f'</div></div></li>')


def make_moodle_page(seed: int = 1, sections: int = 8, activities: int = 6) -> bytes:
    """A Moodle 4.x (Boost theme) course page as a signed-in student sees it: navigation, drawers,
    hidden menus, icons, completion buttons, and teachers' content in labels. About 100 KB."""
    rng = random.Random(seed)
    course = 40 + seed
    head = ('<!DOCTYPE html><html dir="ltr" lang="en" xml:lang="en"><head><title>Course: Statics and structures | '
            'Moodle</title><link rel="shortcut icon" href="https://moodle.example.org/theme/image.php/boost/theme/1/favicon">'
            '<meta http-equiv="Content-Type" content="text/html; charset=utf-8"><meta name="keywords" content="moodle, Course: Statics">'
            '<link rel="stylesheet" type="text/css" href="https://moodle.example.org/theme/yui_combo.php?rollup/3.17.2/yui-moodlesimple-min.css">'
            '<script id="firstthemesheet" type="text/css">/** Required in order to fix style inclusion problems in IE with YUI **/</script>'
            '<link rel="stylesheet" type="text/css" href="https://moodle.example.org/theme/styles.php/boost/1700000000_1/all">'
            '<script>//<![CDATA[\nvar M = {}; M.yui = {};\nM.cfg = {"wwwroot":"https:\\/\\/moodle.example.org","sesskey":"abc",'
            '"themerev":"1700000000","slasharguments":1,"theme":"boost","iconsystemmodule":"core\\/icon_system_fontawesome",'
            '"jsrev":"1700000000","admin":"admin","svgicons":true,"usertimezone":"Europe\\/Helsinki","language":"en",'
            '"courseId":' + str(course) + ',"courseContextId":' + str(course * 3) + ',"contextid":' + str(course * 3)
            + '};\nvar yui1ConfigFn = function(me) {if(/-skin|reset|fonts|grids|base/.test(me.name)){me.type="css";'
            'me.path=me.path.replace(/\\.js/,".css");}};\n//]]></script>'
            '<meta name="viewport" content="width=device-width, initial-scale=1.0"></head>')
    nav = ('<body id="page-course-view-topics" class="format-topics  path-course path-course-view chrome dir-ltr lang-en '
           'yui-skin-sam yui3-skin-sam moodle-example-org pagelayout-course course-' + str(course) + ' context-'
           + str(course * 3) + ' category-1 uses-drawers drawer-open-index drawer-open-block">'
           '<div class="toast-wrapper mx-auto py-0 fixed-top" role="status" aria-live="polite"></div>'
           '<div id="page-wrapper" class="d-print-block"><div>'
           '<a class="sr-only sr-only-focusable" href="#maincontent">Skip to main content</a></div>'
           '<script src="https://moodle.example.org/lib/javascript.php/1700000000/lib/polyfills/polyfill.js"></script>'
           '<nav class="navbar fixed-top navbar-light bg-white navbar-expand" aria-label="Site navigation">'
           '<div class="navbar-brand d-none d-md-flex align-items-center m-0 mr-4 p-0 aabtn">'
           '<a href="https://moodle.example.org" class="navbar-brand d-none d-md-flex align-items-center m-0 mr-4 p-0 aabtn">'
           '<img src="https://moodle.example.org/pluginfile.php/1/core_admin/logocompact/300x300/logo.png" '
           'class="logo mr-1" alt="Example University"></a></div>'
           '<div class="primary-navigation"><nav class="moremenu navigation observed"><ul id="moremenu-1" role="menubar" '
           'class="nav more-nav navbar-nav">' + "".join(
               f'<li data-key="{k}" class="nav-item" role="none" data-forceintomoremenu="false">'
               f'<a role="menuitem" class="nav-link {"active" if k == "mycourses" else ""}" href="https://moodle.example.org/{k}/" '
               f'{"aria-current=\"true\"" if k == "mycourses" else "tabindex=\"-1\""}>{k.capitalize()}</a></li>'
               for k in ("home", "my", "mycourses", "admin")) +
           '<li role="none" class="nav-item dropdown dropdownmoremenu d-none" data-region="morebutton">'
           '<a class="dropdown-toggle nav-link " href="#" id="moremenu-dropdown-1" role="menuitem" data-toggle="dropdown" '
           'aria-haspopup="true" aria-expanded="false" tabindex="-1">More</a>'
           '<ul class="dropdown-menu dropdown-menu-left" data-region="moredropdown" aria-labelledby="moremenu-dropdown-1" role="menu"></ul>'
           '</li></ul></nav></div><div id="usernavigation" class="navbar-nav ml-auto">'
           '<div class="popover-region collapsed popover-region-notifications" id="nav-notification-popover-container" '
           'data-userid="5" data-region="popover-region"><div class="popover-region-toggle nav-link icon-no-margin" '
           'data-region="popover-region-toggle" role="button" aria-controls="popover-region-container-1" aria-haspopup="true" '
           'aria-label="Show notification window with no new notifications" tabindex="0">'
           '<i class="icon fa fa-bell fa-fw " title="Toggle notifications menu" role="img" aria-label="Toggle notifications menu"></i>'
           '<div class="count-container hidden" data-region="count-container" aria-hidden="true">0</div></div>'
           '<div id="popover-region-container-1" class="popover-region-container" data-region="popover-region-container" '
           'aria-expanded="false" aria-hidden="true" aria-label="Notification window" role="region">'
           '<div class="popover-region-header-container"><h3 class="popover-region-header-text" data-region="popover-region-header-text">'
           'Notifications</h3><div class="popover-region-header-actions" data-region="popover-region-header-actions">'
           '<a class="mark-all-read-button" href="#" title="Mark all as read" data-action="mark-all-read" role="button" '
           'aria-label="Mark all as read"><span class="normal-icon"><i class="icon fa fa-check fa-fw " aria-hidden="true"></i></span>'
           '</a></div></div><div class="popover-region-content-container" data-region="popover-region-content-container">'
           '<div class="popover-region-content" data-region="popover-region-content"><div class="all-notifications" '
           'data-region="all-notifications" role="log" aria-busy="false" aria-atomic="false" aria-relevant="additions"></div>'
           '<div class="empty-message" tabindex="0" data-region="empty-message">You have no notifications</div></div></div></div></div>'
           '<div class="d-flex align-items-stretch usermenu-container" data-region="usermenu"><div class="usermenu">'
           '<div class="dropdown show"><a href="#" role="button" id="user-menu-toggle" data-toggle="dropdown" '
           'aria-label="User menu" aria-haspopup="true" aria-controls="user-action-menu" class="btn dropdown-toggle">'
           '<span class="userbutton"><span class="avatars"><span class="avatar current"><span class="userinitials size-35" '
           'title="Sam Student" aria-label="Sam Student" role="img">SS</span></span></span></span></a>'
           '<div id="user-action-menu" class="dropdown-menu dropdown-menu-right"><div id="usermenu-carousel" class="carousel slide" '
           'data-touch="false" data-interval="false" data-keyboard="false"><div class="carousel-inner">'
           '<div id="carousel-item-main" class="carousel-item active" role="menu" tabindex="-1" aria-label="User">' + "".join(
               f'<a href="https://moodle.example.org/{p}.php" class="dropdown-item" role="menuitem" tabindex="-1">{t}</a>'
               for p, t in (("user/profile", "Profile"), ("grade/report/overview/index", "Grades"),
                            ("message/index", "Messages"), ("user/preferences", "Preferences"),
                            ("login/logout", "Log out"))) +
           '</div></div></div></div></div></div></div></div></nav>')
    index = ('<div class="drawer drawer-left show d-print-none not-initialized" data-region="fixed-drawer" '
             'id="theme_boost-drawers-courseindex" data-preference="drawer-open-index" data-state="show-drawer-left" '
             'data-forceopen="0" data-close-on-resize="1"><div class="drawerheader"><button class="btn drawertoggle icon-no-margin '
             'hidden" data-toggler="drawers" data-action="closedrawer" data-target="theme_boost-drawers-courseindex" '
             'data-toggle="tooltip" data-placement="right" title="Close course index"><i class="icon fa fa-times fa-fw " '
             'aria-hidden="true"></i></button></div><div class="drawercontent drag-container" data-usertour="scroller">'
             '<nav id="courseindex" class="courseindex"><div id="courseindex-content">' + "".join(
                 f'<div class="courseindex-section" id="course-index-section-{s}" data-for="section" data-id="{s}">'
                 f'<div class="courseindex-item d-flex courseindex-section-title"><a data-toggle="collapse" '
                 f'href="#courseindexcollapse{s}" class="courseindex-chevron icons-collapse-expand" aria-expanded="true" '
                 f'aria-controls="courseindexcollapse{s}"><span class="expanded-icon icon-no-margin p-2" title="Collapse">'
                 f'<i class="icon fa fa-chevron-down fa-fw " aria-hidden="true"></i><span class="sr-only">Collapse</span></span></a>'
                 f'<a href="https://moodle.example.org/course/section.php?id={s}" class="courseindex-link text-truncate">Topic {s}</a></div>'
                 f'<div id="courseindexcollapse{s}" class="courseindex-item-content collapse show"><ul class="courseindex-sectioncontent unlist">'
                 + "".join(f'<li class="courseindex-item" data-for="cm" data-id="{s * 10 + a}"><a href="https://moodle.example.org/mod/page/'
                           f'view.php?id={s * 10 + a}" class="courseindex-link text-truncate">{_sentence(rng, 3)}</a>'
                           f'<span class="courseindex-locked ml-1" data-for="cm-name"><i class="icon fa fa-lock fa-fw " '
                           f'aria-hidden="true"></i></span></li>' for a in range(activities))
                 + '</ul></div></div>' for s in range(sections)) + '</div></nav></div></div>')
    main = ['<div id="page" data-region="mainpage" data-usertour="scroller" class="drawers show-drawer-left drag-container">'
            '<div id="topofscroll" class="main-inner"><div class="drawer-toggles d-flex"></div>'
            '<header id="page-header" class="header-maxwidth d-print-none"><div class="w-100"><div class="d-flex flex-wrap">'
            '<div id="page-navbar"><nav aria-label="Navigation bar"><ol class="breadcrumb"><li class="breadcrumb-item">'
            '<a href="https://moodle.example.org/course/index.php">Courses</a></li><li class="breadcrumb-item">'
            '<span>Statics and structures</span></li></ol></nav></div></div><div class="d-flex align-items-center">'
            '<div class="mr-auto"><div class="page-context-header"><div class="page-header-headings">'
            '<h1 class="h2">Statics and structures</h1></div></div></div></div></div></header>'
            '<div id="page-content" class="pb-3 d-print-block"><div id="region-main-box"><section id="region-main" '
            'aria-label="Content"><span class="notifications" id="user-notifications"></span>'
            '<div role="main"><span id="maincontent"></span><div class="course-content"><ul class="topics" data-for="course_sectionlist">']
    for s in range(sections):
        main.append(
            f'<li id="section-{s}" class="section course-section main  clearfix" role="region" aria-labelledby="sectionid-{s}-title" '
            f'data-sectionid="{s}" data-sectionreturnid="0" data-for="section" data-id="{s}" data-number="{s}">'
            f'<div class="course-section-header d-flex" data-for="section_title" data-id="{s}" data-number="{s}">'
            f'<div class="d-flex align-items-start position-relative"><a role="button" data-toggle="collapse" '
            f'href="#coursecontentcollapse{s}" id="collapssesection{s}" aria-expanded="true" aria-controls="coursecontentcollapse{s}" '
            f'class="btn btn-icon mr-3 icons-collapse-expand justify-content-center"><span class="expanded-icon icon-no-margin p-2" '
            f'title="Collapse"><i class="icon fa fa-chevron-down fa-fw " aria-hidden="true"></i></span>'
            f'<span class="sr-only">Topic {s}</span></a><h3 class="sectionname course-content-item d-flex align-self-stretch '
            f'align-items-center mb-0" id="sectionid-{s}-title" data-for="section_title" data-id="{s}" data-number="{s}">'
            f'<a href="https://moodle.example.org/course/view.php?id={course}#section-{s}">Topic {s}</a></h3></div></div>'
            f'<div id="coursecontentcollapse{s}" class="content course-content-item-content collapse show">'
            f'<div class="summarytext"><div class="no-overflow"><p dir="ltr" style="text-align: left;">{_sentence(rng, 20)}</p></div></div>'
            f'<ul class="section m-0 p-0 img-text  d-block " data-for="cmlist">'
            + "".join(_moodle_activity(rng, course, s * 10 + a) for a in range(activities))
            + '</ul></div></li>')
    main.append('</ul></div></div></section></div></div></div>')
    footer = ('<footer id="page-footer" class="footer-popover bg-white"><div data-region="footer-container-popover">'
              '<button class="btn btn-icon bg-secondary icon-no-margin btn-footer-popover" data-action="footer-popover" '
              'aria-label="Show footer"><i class="icon fa fa-question fa-fw " aria-hidden="true"></i></button></div>'
              '<div class="footer-content-popover container" data-region="footer-content-popover">'
              '<div class="footer-section p-3 border-bottom"><div class="logininfo"><div class="logininfo">You are logged in as '
              '<a href="https://moodle.example.org/user/profile.php?id=5" title="View profile">Sam Student</a> '
              '(<a href="https://moodle.example.org/login/logout.php?sesskey=abc">Log out</a>)</div></div>'
              '<div class="tool_usertours-resettourcontainer"></div><div class="tool_dataprivacy">'
              '<a href="https://moodle.example.org/admin/tool/dataprivacy/summary.php">Data retention summary</a></div>'
              '<a href="https://download.moodle.org/mobile?version=2023100900&amp;lang=en&amp;iosappid=633359593">Get the mobile app</a>'
              '</div><div class="footer-section p-3"><div>Powered by <a href="https://moodle.com">Moodle</a></div></div></div>'
              '<div class="footer-content-debugging footer-dark bg-dark text-light"><div class="container-fluid footer-dark-inner">'
              '</div></div></footer></div>'
              '<script>//<![CDATA[\nvar require = {baseUrl : "https://moodle.example.org/lib/requirejs.php/1700000000/",'
              ' enforceDefine: true, skipDataMain: true, waitSeconds : 0};\n//]]></script>'
              '<script src="https://moodle.example.org/lib/javascript.php/1700000000/lib/requirejs/require.min.js"></script>'
              '<script>//<![CDATA[\nM.str = {"moodle":{"lastmodified":"Last modified","name":"Name","error":"Error"}};\n'
              + "".join(f'require(["core/first"], function() {{ require(["module{i}"], function(m) {{ m.init({i}); }}); }});\n'
                        for i in range(40)) + '//]]></script></body></html>')
    return (head + nav + index + "".join(main) + footer).encode()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(pages: list[bytes], ctx: Context) -> tuple[int, float, float]:
    """Pages checked, CPU seconds and wall seconds in SECONDS_PER_SIZE of wall time."""
    check_html(pages[0], ctx)  # warm up imports and caches
    count, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < SECONDS_PER_SIZE:
        check_html(pages[count % len(pages)], ctx)
        count += 1
    return count, time.process_time() - cpu_start, time.perf_counter() - start


def run() -> None:
    ctx = Context(name="bench.html", base_url="https://moodle.example.org/course/view.php?id=1")
    corpora = [(f"{label} ~{size // 1000} KB", [make_page(size, seed) for seed in range(20)])
               for label, size in SIZES]
    corpora.append(("Moodle course page", [make_moodle_page(seed) for seed in range(5)]))
    start_mb = _peak_mb()
    print("HTML checker (static, lxml): pages/s per core counts CPU time only (the figure to compare "
          "with the target of >= 500 pages/s on 10 KB pages); wall pages/s also counts waiting for a "
          "shared CPU.", flush=True)
    for label, pages in corpora:
        size_kb = sum(len(p) for p in pages) / len(pages) / 1000
        count, cpu, wall = _measure(pages, ctx)
        print(f"html {label:20} ({size_kb:6.1f} KB): {count / cpu:8.1f} pages/s per core "
              f"({cpu * 1000 / count:7.2f} ms CPU/page), wall {count / wall:8.1f} pages/s, "
              f"peak RSS {_peak_mb():.0f} MB", flush=True)
    print(f"html peak memory: {_peak_mb():.0f} MB RSS for the whole run "
          f"({_peak_mb() - start_mb:+.0f} MB over the corpus and imports)", flush=True)


if __name__ == "__main__":
    run()
