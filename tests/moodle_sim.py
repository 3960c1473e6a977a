"""A Moodle web-service simulator: a real HTTP server on 127.0.0.1 answering like Moodle does.

Answers follow Moodle's own return structures, field by field:
- `core_course_get_courses_by_field`: course/externallib.php `get_course_structure(false)`; courses
  the token cannot enter come back with the public fields only (get_course_public_information);
- `core_course_get_contents`: `get_course_contents_returns` (sections, modules, contents items);
  contents built like page/resource/folder/url/book `*_export_contents` (mod/*/lib.php): the page's
  `index.html` item with `license: null`, url items with `type: "url"`, book `structure` content;
  hidden sections come back with `summary: ""` and no modules; non-uservisible modules without
  contents;
- `mod_page_get_pages_by_courses`: mod/page/classes/external.php (`external_files` for files);
- errors with HTTP 200: `{"exception", "errorcode", "message"}` from server.php, and
  `{"error", "errorcode", "stacktrace", "debuginfo", "reproductionlink"}` from
  webservice/pluginfile.php (an AJAX_SCRIPT).

Knobs for tests: `functions` (what the service offers), `downloadfiles`, `unavailable` (answer 503
with Retry-After to the next N requests), and mutations (`edit_label`, `touch_file`, `add_file`,
`add_module`, `delete_module`, `hide_module`, `delete_course`, `hide_course`), `failing` (a function
that answers with Moodle's error JSON).
"""
from __future__ import annotations

import copy
import json
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

T0 = 1_700_000_000
ALL_FUNCTIONS = ["core_webservice_get_site_info", "core_course_get_courses_by_field",
                 "core_course_get_contents", "mod_page_get_pages_by_courses", "core_course_get_courses",
                 "mod_resource_get_resources_by_courses"]

# A tiny but real PDF and PNG for downloads (content type checks, hashes).
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
       b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def parse_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Moodle's `name[0][key]=value` form encoding back into nested dicts/lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for part, nxt in zip(parts, parts[1:]):
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def lists(node):
        if isinstance(node, dict):
            node = {k: lists(v) for k, v in node.items()}
            if node and all(k.isdigit() for k in node):
                return [node[k] for k in sorted(node, key=int)]
        return node
    return lists(root)


class MoodleSim:
    def __init__(self, token: str = "a1b2c3d4e5f60718293a4b5c6d7e8f90", *, functions: list[str] | None = None,
                 downloadfiles: int = 1):
        self.token = token
        self.functions = list(ALL_FUNCTIONS if functions is None else functions)
        self.downloadfiles = downloadfiles
        self.unavailable = 0                 # answer 503 to this many coming requests
        self.retry_after = "1"               # seconds, or an HTTP date when set to "date"
        self.calls: list[tuple[str, dict]] = []
        self.downloads: list[str] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.url = ""
        self.courses: dict[int, dict] = {}
        self.contents: dict[int, list[dict]] = {}
        self.pages: dict[int, dict] = {}       # cmid -> page instance (mod_page_get_pages_by_courses)
        self.files: dict[str, tuple[bytes, str]] = {}
        self.denied: dict[int, tuple[str, str, str]] = {}    # course -> (exception, errorcode, message)
        self.failing: dict[str, tuple[str, str, str]] = {}   # function -> (exception, errorcode, message)

    # --- server ---

    def start(self) -> "MoodleSim":
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                sim._handle(self)

            def do_POST(self):
                sim._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._build()
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self) -> "MoodleSim":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str, headers=()) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def _json(self, h, payload: Any) -> None:
        self._send(h, 200, json.dumps(payload).encode(), "application/json; charset=utf-8")

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length).decode() if length else ""
        url = urlsplit(h.path)
        with self.lock:
            if self.unavailable > 0:
                self.unavailable -= 1
                after = formatdate(time.time() + 1, usegmt=True) \
                    if self.retry_after == "date" else self.retry_after
                return self._send(h, 503, b"<h1>Site under maintenance</h1>", "text/html",
                                  [("Retry-After", after)])
        if url.path == "/webservice/rest/server.php" and h.command == "POST":
            query = dict(parse_qsl(url.query))
            form = parse_form(parse_qsl(body, keep_blank_values=True))
            return self._json(h, self._rest(query, form))
        if url.path.startswith("/webservice/pluginfile.php/"):
            return self._pluginfile(h, url)
        self._send(h, 404, b"<h1>Not found</h1>", "text/html")

    # --- REST ---

    def _rest(self, query: dict, form: dict) -> Any:
        function = query.get("wsfunction", "")
        token = form.pop("wstoken", None)
        with self.lock:
            self.calls.append((function, form))
        if query.get("moodlewsrestformat") != "json":
            return {"exception": "moodle_exception", "errorcode": "invalidparameter",
                    "message": "this simulator only speaks json"}
        if token != self.token:
            return {"exception": "moodle_exception", "errorcode": "invalidtoken",
                    "message": "Invalid token - token not found"}
        if function in self.failing:
            exception, code, message = self.failing[function]
            return {"exception": exception, "errorcode": code, "message": message}
        if function not in self.functions:
            return {"exception": "webservice_access_exception", "errorcode": "accessexception",
                    "message": "Access control exception"}
        try:
            return getattr(self, "ws_" + function)(**form)
        except KeyError as exc:
            return {"exception": "dml_missing_record_exception", "errorcode": "invalidrecord",
                    "message": f"Cannot find data record in database table course. ({exc})"}

    def ws_core_webservice_get_site_info(self) -> dict:
        return {"sitename": "Alliance Moodle (simulated)", "username": "oerbot", "firstname": "OER",
                "lastname": "Bot", "fullname": "OER Bot", "lang": "en", "userid": 7, "siteurl": self.url,
                "userpictureurl": f"{self.url}/theme/image.php/boost/core/1/u/f1",
                "functions": [{"name": f, "version": "2024042200"} for f in self.functions],
                "downloadfiles": self.downloadfiles, "uploadfiles": 0, "release": "4.4 (Build: 20240422)",
                "version": "2024042200", "mobilecssurl": "", "advancedfeatures": [],
                "usercanmanageownfiles": True, "userquota": 0, "usermaxuploadfilesize": -1,
                "userhomepage": 1, "siteid": 1, "sitecalendartype": "gregorian",
                "usercalendartype": "gregorian", "userissiteadmin": False, "theme": "boost"}

    def ws_core_course_get_courses_by_field(self, field: str = "", value: str = "") -> dict:
        warnings = []
        if field == "ids":
            ids = [int(v) for v in value.split(",") if v]
            for cid in ids:
                if cid not in self.courses:
                    warnings.append({"item": "course", "itemid": cid, "warningcode": "1",
                                     "message": "No access rights in course context"})
            chosen = [self.courses[c] for c in ids if c in self.courses]
        elif field == "category":
            chosen = [c for c in self.courses.values() if c["categoryid"] == int(value)]
        elif field == "":
            chosen = list(self.courses.values())
        else:
            return {"exception": "invalid_parameter_exception", "errorcode": "invalidparameter",
                    "message": "Invalid parameter value detected (Invalid field name)"}
        # a hidden course is left out for a token without moodle/course:viewhiddencourses
        courses = [self._public(c) if c["id"] in self.denied else copy.deepcopy(c)
                   for c in sorted(chosen, key=lambda c: c["id"]) if c["visible"]]
        return {"courses": courses, "warnings": warnings}

    def ws_core_course_get_contents(self, courseid: str, options: list | None = None) -> Any:
        cid = int(courseid)
        if cid not in self.courses:
            raise KeyError(cid)
        if cid in self.denied:
            exception, code, message = self.denied[cid]
            return {"exception": exception, "errorcode": code, "message": message}
        return copy.deepcopy(self.contents[cid])

    def ws_mod_page_get_pages_by_courses(self, courseids: list | None = None) -> dict:
        pages, warnings = [], []
        for cid in [int(c) for c in courseids or []]:
            if cid in self.denied:
                warnings.append({"item": "course", "itemid": cid, "warningcode": "1",
                                 "message": "No access rights in course context"})
                continue
            pages += [copy.deepcopy(p) for p in self.pages.values() if p["course"] == cid]
        return {"pages": pages, "warnings": warnings}

    @staticmethod
    def _public(course: dict) -> dict:
        keys = ("id", "fullname", "displayname", "shortname", "courseimage", "categoryid", "categoryname",
                "sortorder", "summary", "summaryformat", "summaryfiles", "overviewfiles", "showactivitydates",
                "showcompletionconditions", "contacts", "enrollmentmethods", "customfields")
        return {k: copy.deepcopy(course[k]) for k in keys if k in course}

    # --- files ---

    def _pluginfile(self, h, url) -> None:
        query = dict(parse_qsl(url.query))
        with self.lock:
            self.downloads.append(h.path)
        if query.get("token") != self.token:
            return self._json(h, {"error": "Invalid token - token not found", "errorcode": "invalidtoken",
                                  "stacktrace": None, "debuginfo": None, "reproductionlink": None})
        if not self.downloadfiles:
            return self._json(h, {"error": "Access control exception (Direct download of files is disabled)",
                                  "errorcode": "accessexception", "stacktrace": None, "debuginfo": None,
                                  "reproductionlink": None})
        path = unquote(url.path[len("/webservice/pluginfile.php"):])
        if path not in self.files:
            return self._send(h, 404, b"<p>Sorry, the requested file could not be found</p>", "text/html")
        data, ctype = self.files[path]
        self._send(h, 200, data, ctype, [("ETag", '"%d"' % len(data))])

    # --- building the site ---

    def file_url(self, path: str) -> str:
        return f"{self.url}/webservice/pluginfile.php{path}?forcedownload=1"

    def file_item(self, path: str, data: bytes, mimetype: str, *, license: str | None, author: str | None,
                  modified: int, filepath: str = "/", userid: int = 3, sortorder: int = 0) -> dict:
        filename = path.rsplit("/", 1)[1]
        self.files[path] = (data, mimetype)
        return {"type": "file", "filename": filename, "filepath": filepath, "filesize": len(data),
                "fileurl": self.file_url(path), "timecreated": modified - 100, "timemodified": modified,
                "sortorder": sortorder, "mimetype": mimetype, "isexternalfile": False, "userid": userid,
                "author": author, "license": license}

    def module(self, cmid: int, modname: str, name: str, *, instance: int, contents: list | None = None,
               description: str | None = None, visible: int = 1, uservisible: bool = True) -> dict:
        plural = {"page": "Pages", "label": "Text and media areas", "resource": "Files", "folder": "Folders",
                  "url": "URLs", "book": "Books", "forum": "Forums", "quiz": "Quizzes"}.get(modname, modname)
        mod: dict[str, Any] = {"id": cmid}
        if modname != "label":
            mod["url"] = f"{self.url}/mod/{modname}/view.php?id={cmid}"
        mod.update({"name": name, "instance": instance, "contextid": 100 + cmid})
        if description is not None:
            mod["description"] = description
        mod.update({"visible": visible, "uservisible": uservisible, "visibleoncoursepage": 1,
                    "modicon": f"{self.url}/theme/image.php/boost/mod_{modname}/1/monologo",
                    "modname": modname, "modplural": plural, "indent": 0, "onclick": "", "afterlink": None,
                    "customdata": "\"\"", "noviewlink": modname == "label", "completion": 0,
                    "downloadcontent": 1, "dates": [], "groupmode": 0})
        if uservisible:
            mod["contents"] = contents or []
            if contents:
                stamps = [c["timemodified"] or 0 for c in contents]
                mod["contentsinfo"] = {"filescount": len(contents),
                                       "filessize": sum(c["filesize"] for c in contents),
                                       "lastmodified": max(stamps),
                                       "mimetypes": sorted({c["mimetype"] for c in contents if c.get("mimetype")}),
                                       "repositorytype": ""}
        else:
            mod["contents"] = []
            mod["availabilityinfo"] = "Not available unless: You belong to <strong>Group A</strong>"
        return mod

    def resource(self, cmid: int, name: str, filename: str, data: bytes, mimetype: str, *,
                 modified: int = T0 + 700) -> dict:
        """A resource module holding one file (mod/resource/lib.php resource_export_contents)."""
        item = self.file_item(f"/{100 + cmid}/mod_resource/content/1/{filename}", data, mimetype,
                              license="cc-4.0", author="Ana Teacher", modified=modified, sortorder=1)
        return self.module(cmid, "resource", name, instance=cmid, contents=[item])

    def add_module(self, course: int, section_id: int, module: dict) -> None:
        """A module added to a section (its course's contents change, as after an upload)."""
        next(s for s in self.contents[course] if s["id"] == section_id)["modules"].append(module)

    def page(self, course: int, cmid: int, instance: int, name: str, content: str, intro: str,
             modified: int, extra_files: list | None = None) -> dict:
        ctx = 100 + cmid
        index = {"type": "file", "filename": "index.html", "filepath": "/", "filesize": 0,
                 "fileurl": self.file_url(f"/{ctx}/mod_page/content/index.html"), "timecreated": None,
                 "timemodified": modified, "sortorder": 1, "userid": None, "author": None, "license": None}
        self.files[f"/{ctx}/mod_page/content/index.html"] = (content.encode(), "text/html")
        contents = list(extra_files or []) + [index]
        self.pages[cmid] = {
            "id": instance, "coursemodule": cmid, "course": course, "name": name, "intro": intro,
            "introformat": 1, "introfiles": [], "content": content, "contentformat": 1,
            "contentfiles": [{"filename": f["filename"], "filepath": f["filepath"], "filesize": f["filesize"],
                              "fileurl": f["fileurl"], "timemodified": f["timemodified"],
                              "mimetype": f["mimetype"], "isexternalfile": False} for f in extra_files or []],
            "legacyfiles": 0, "legacyfileslast": None, "display": 5, "displayoptions": "a:0:{}",
            "revision": 1, "timemodified": modified, "section": 0, "visible": 1, "groupmode": 0,
            "groupingid": 0}
        return self.module(cmid, "page", name, instance=instance, contents=contents)

    @staticmethod
    def section(sid: int, number: int, name: str, summary: str, modules: list, *, visible: int = 1,
                uservisible: bool = True) -> dict:
        if not uservisible:
            modules = []
            if not visible:
                summary = ""
        return {"id": sid, "name": name, "visible": visible, "summary": summary, "summaryformat": 1,
                "section": number, "hiddenbynumsections": 0, "uservisible": uservisible, "modules": modules}

    def course(self, cid: int, shortname: str, fullname: str, category: int, summary: str, *,
               guest: bool = False, idnumber: str = "", lang: str = "", modified: int = T0) -> dict:
        data = {
            "id": cid, "fullname": fullname, "displayname": fullname, "shortname": shortname,
            "courseimage": f"{self.url}/course/generated/{cid}.svg", "categoryid": category,
            "categoryname": {1: "Open courses", 2: "Internal"}.get(category, "Misc"), "sortorder": 10000 + cid,
            "summary": summary, "summaryformat": 1, "summaryfiles": [], "overviewfiles": [],
            "showactivitydates": True, "showcompletionconditions": True,
            "contacts": [{"id": 3, "fullname": "Ana Teacher"}],
            "enrollmentmethods": ["manual", "self"] + (["guest"] if guest else []), "customfields": [],
            "idnumber": idnumber, "format": "topics", "showgrades": 1, "newsitems": 5, "startdate": T0,
            "enddate": 0, "maxbytes": 0, "showreports": 0, "visible": 1, "groupmode": 0, "groupmodeforce": 0,
            "defaultgroupingid": 0, "enablecompletion": 1, "completionnotify": 0, "lang": lang, "theme": "",
            "marker": 0, "legacyfiles": 0, "calendartype": "", "timecreated": T0 - 1000, "timemodified": modified,
            "requested": 0, "cacherev": modified, "filters": [], "courseformatoptions": []}
        self.courses[cid] = data
        return data

    def _build(self) -> None:
        self.site_course = self.course(1, "alliance", "Alliance Moodle", 0, "<p>Front page</p>")

        # Course 2: open (guest access), every module kind, licences in 4.x shortnames.
        self.course(2, "OER-101", "Open Pedagogy", 1, "<p>Learn to write <strong>open</strong> material.</p>",
                    guest=True, idnumber="SM-OER-101", lang="en", modified=T0 + 50)
        map_path = "/110/mod_page/content/1/map.png"
        s0 = [
            self.page(2, 10, 1, "Welcome page",
                      f'<h2>Welcome</h2><p>Read this first.</p><img src="{self.file_url(map_path)}">',
                      "<p>Start here</p>", T0 + 100,
                      [self.file_item(map_path, PNG, "image/png", license="cc-4.0",
                                      author="Ana Teacher", modified=T0 + 90)]),
            self.module(11, "label", "Label: read me", instance=1,
                        description='<div class="no-overflow"><p>Bring a laptop.</p></div>'),
            self.module(12, "resource", "Syllabus (PDF)", instance=1,
                        description="<p>The syllabus.</p>",
                        contents=[self.file_item("/112/mod_resource/content/1/syllabus.pdf", PDF,
                                                 "application/pdf", license="cc-4.0", author="Ana Teacher",
                                                 modified=T0 + 200, sortorder=1)]),
            self.module(13, "url", "OER Commons", instance=1, contents=[{
                "type": "url", "filename": "OER Commons", "filepath": None, "filesize": 0,
                "fileurl": "https://www.oercommons.org/", "timecreated": None, "timemodified": T0 + 300,
                "sortorder": None, "userid": None, "author": None, "license": None}]),
            self.module(14, "resource", "Draft exam (hidden)", instance=2, visible=0, uservisible=False),
        ]
        s1 = [
            self.module(15, "folder", "Reading pack", instance=1, contents=[
                self.file_item("/115/mod_folder/content/0/intro.pdf", PDF, "application/pdf",
                               license="cc-nc-sa-4.0", author="Ben Author", modified=T0 + 400),
                self.file_item("/115/mod_folder/content/0/sub/closed.pdf", PDF, "application/pdf",
                               license="allrightsreserved", author="Publisher Ltd", modified=T0 + 410,
                               filepath="/sub/"),
                self.file_item("/115/mod_folder/content/0/sub/old.png", PNG, "image/png", license="public",
                               author="Anonymous", modified=T0 + 420, filepath="/sub/"),
                self.file_item("/115/mod_folder/content/0/mystery.pdf", PDF, "application/pdf",
                               license="unknown", author="", modified=T0 + 430),
            ]),
            self.module(16, "book", "Handbook", instance=1, contents=[
                {"type": "content", "filename": "structure", "filepath": "/", "filesize": 0, "fileurl": None,
                 "timecreated": T0, "timemodified": T0 + 500,
                 "content": json.dumps([{"title": "Intro", "href": "31/index.html", "level": 0,
                                         "subitems": [{"title": "Details", "href": "32/index.html",
                                                       "level": 1, "subitems": []}]}]),
                 "sortorder": 0, "userid": None, "author": None, "license": None},
                self._chapter(116, 31, "Intro", "<h1>Intro</h1><p>Chapter one.</p>"),
                self._chapter(116, 32, "Details", "<h1>Details</h1><p>Chapter two.</p>"),
            ]),
            self.module(17, "forum", "Announcements", instance=1),
        ]
        self.contents[2] = [
            self.section(20, 0, "General", "<p>Course overview and <a href='#'>news</a>.</p>", s0),
            self.section(21, 1, "Week 1", "<p>Readings for week one.</p>", s1),
            self.section(22, 2, "Week 2 (hidden)", "<p>Secret plans</p>", [], visible=0, uservisible=False),
            self.section(23, 3, "Week 3", "", []),
        ]

        # Course 3: behind login, older site data with 3.0 licence shortnames.
        self.course(3, "DATA-201", "Data Literacy", 1, "<p>Numbers and tables.</p>", idnumber="SM-DATA-201",
                    modified=T0 + 60)
        self.contents[3] = [
            self.section(30, 0, "General", "", [
                self.module(40, "resource", "Dataset guide", instance=3, contents=[
                    self.file_item("/140/mod_resource/content/2/guide.pdf", PDF, "application/pdf", license="cc",
                                   author="Cy Data", modified=T0 + 600),
                    self.file_item("/140/mod_resource/content/2/chart.png", PNG, "image/png", license="cc-sa",
                                   author="Cy Data", modified=T0 + 610)]),
                self.module(41, "resource", "Group A only", instance=4, uservisible=False),
                self.page(3, 42, 2, "Tables how-to", "<table><tr><td>1</td></tr></table>", "", T0 + 620),
            ]),
        ]

        # Courses 4 and 5: listed, but the token may not enter them.
        self.course(4, "PRIV-301", "Staff only", 2, "<p>Internal.</p>")
        self.contents[4] = []
        self.denied[4] = ("moodle_exception", "errorcoursecontextnotvalid",
                          "You cannot execute functions in the course context (course id:4). The context error "
                          "message was: Course or activity not accessible. (Not enrolled)")
        self.course(5, "PRIV-302", "Also closed", 2, "<p>Closed.</p>")
        self.contents[5] = []
        self.denied[5] = ("require_login_exception", "requireloginerror",
                          "Course or activity not accessible. (Not enrolled)")

    def _chapter(self, ctx: int, chapter: int, title: str, html: str) -> dict:
        path = f"/{ctx}/mod_book/chapter/{chapter}/index.html"
        self.files[path] = (html.encode(), "text/html")
        return {"type": "file", "filename": "index.html", "filepath": f"/{chapter}/", "filesize": 0,
                "fileurl": f"{self.url}/webservice/pluginfile.php{path}", "timecreated": T0,
                "timemodified": T0 + 500, "content": title, "sortorder": 0, "userid": None, "author": None,
                "license": None}

    # --- mutations for incremental harvests ---

    def _find(self, cmid: int) -> tuple[list, dict]:
        for sections in self.contents.values():
            for section in sections:
                for module in section["modules"]:
                    if module["id"] == cmid:
                        return section["modules"], module
        raise KeyError(cmid)

    def edit_label(self, cmid: int, html: str) -> None:
        """Labels carry no timestamp in core_course_get_contents: only the text changes."""
        self._find(cmid)[1]["description"] = html

    def touch_file(self, cmid: int, when: int) -> None:
        for item in self._find(cmid)[1]["contents"]:
            item["timemodified"] = when

    def add_file(self, cmid: int, path: str, license: str, when: int) -> None:
        module = self._find(cmid)[1]
        module["contents"].append(self.file_item(path, PDF, "application/pdf", license=license,
                                                 author="New Author", modified=when))

    def delete_course(self, cid: int) -> None:
        del self.courses[cid], self.contents[cid]

    def hide_course(self, cid: int) -> None:
        self.courses[cid]["visible"] = 0

    def delete_module(self, cmid: int) -> None:
        modules, module = self._find(cmid)
        modules.remove(module)

    def hide_module(self, cmid: int) -> None:
        module = self._find(cmid)[1]
        module.update(visible=0, uservisible=False, contents=[])
        module.pop("contentsinfo", None)
