"""Moodle's REST web services: calls, errors and token-carrying file downloads.

Moodle answers errors with HTTP 200 and a JSON object (`exception`, `errorcode`, `message`; file
downloads through webservice/pluginfile.php use `error` instead of `message`), so every answer is
inspected, and every download's Content-Type is checked: a PDF link that returns
`application/json` is an error, not a file.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from harvester.fetch import Fetcher, FetchResult, redact

REST_PATH = "/webservice/rest/server.php"
PLUGINFILE_PATH = "/webservice/pluginfile.php/"
MAX_API_BYTES = 64 * 2**20     # one core_course_get_contents answer for a very large course (capped
                               # while it streams: a larger one is a FetchError, the course skipped)

# Errors meaning "this token may not see this course": skip the course, go on.
COURSE_ACCESS_ERRORS = frozenset({"errorcoursecontextnotvalid", "requireloginerror", "nopermissions",
                                  "accessexception", "coursehidden", "notenrolled"})
COURSE_ACCESS_EXCEPTIONS = frozenset({"webservice_access_exception", "require_login_exception",
                                      "required_capability_exception"})


class MoodleError(Exception):
    """Moodle answered with an error object. The message is redacted."""

    def __init__(self, message: str, *, errorcode: str | None = None, exception: str | None = None,
                 function: str | None = None):
        super().__init__(redact(message))
        self.errorcode = errorcode
        self.exception = exception
        self.function = function

    @property
    def is_course_access(self) -> bool:
        return self.errorcode in COURSE_ACCESS_ERRORS or self.exception in COURSE_ACCESS_EXCEPTIONS


class MoodleAuthError(MoodleError):
    """The token was refused (invalidtoken, expired, user suspended): the harvest cannot go on."""


class MoodleSetupError(MoodleError):
    """The web service behind the token lacks functions or file downloads."""


class MoodleConfigError(MoodleError):
    """The source configuration is incomplete (e.g. the token variable is not set)."""


AUTH_ERRORCODES = frozenset({"invalidtoken", "expiredtoken", "usernotfound", "suspended",
                             "invalidtokenuser", "servicerequireslogin", "wsaccessuserdeleted",
                             "wsaccessusersuspended", "wsaccessusernologin", "wsaccessuserexpired"})


def flatten_params(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Moodle's REST form encoding: lists as `name[0]=…`, dicts as `name[key]=…`, nested."""
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, Mapping):
            out.extend(flatten_params(value, name))
        elif isinstance(value, (list, tuple)):
            out.extend(flatten_params({str(i): v for i, v in enumerate(value)}, name))
        elif isinstance(value, bool):
            out.append((name, "1" if value else "0"))
        elif value is not None:
            out.append((name, str(value)))
    return out


def error_from(payload: Any, function: str) -> MoodleError | None:
    """The MoodleError an answer carries, or None when it is a normal answer."""
    if not isinstance(payload, dict):
        return None
    code = payload.get("errorcode")
    if "exception" not in payload and not (code and "error" in payload):
        return None
    exception = payload.get("exception")
    text = payload.get("message") or payload.get("error") or "unknown error"
    message = f"Moodle refused {function}: {text} (errorcode {code or '?'}"
    message += f", {exception})" if exception else ")"
    cls = MoodleAuthError if code in AUTH_ERRORCODES else MoodleError
    if cls is MoodleAuthError:
        message += ". Check the token: is it valid, not expired, and its user active?"
    return cls(message, errorcode=code, exception=exception, function=function)


class MoodleClient:
    """Calls one site's REST server with one token, through the safe fetcher."""

    def __init__(self, site_url: str, token: str, fetcher: Fetcher):
        self.site_url = site_url.rstrip("/")
        self._token = token
        self.fetcher = fetcher

    def __repr__(self) -> str:
        return f"MoodleClient({self.site_url!r})"

    def call(self, function: str, **params: Any) -> Any:
        url = f"{self.site_url}{REST_PATH}?moodlewsrestformat=json&wsfunction={function}"
        result = self.fetcher.fetch(url, form=flatten_params(params), secret_params={"wstoken": self._token},
                                    accept="application/json", max_bytes=MAX_API_BYTES)
        try:
            if result.media_type not in ("application/json", "text/json", None):
                raise MoodleError(f"{function}: expected JSON from {self.site_url}, got {result.media_type} "
                                  f"(is base_url the Moodle site root, and are web services enabled?)",
                                  function=function)
            try:
                payload = json.loads(result.read_bytes())
            except ValueError:
                raise MoodleError(f"{function}: the answer is not valid JSON", function=function) from None
        finally:
            result.discard()
        error = error_from(payload, function)
        if error is not None:
            raise error
        return payload

    def owns(self, url: str) -> bool:
        """Whether `url` is a web-service file URL of this site (the only place the token may go)."""
        site, target = urlsplit(self.site_url), urlsplit(url)
        return (target.scheme, target.netloc.lower()) == (site.scheme, site.netloc.lower()) and \
            target.path.startswith(site.path.rstrip("/") + PLUGINFILE_PATH)

    def download(self, url: str, *, expected_media_type: str | None = None, etag: str | None = None,
                 last_modified: str | None = None) -> FetchResult:
        """Fetch a file URL from a record, adding the token only for this site's pluginfile URLs.

        Raises MoodleError when Moodle answers with its JSON error instead of the file.
        """
        secret = {"token": self._token} if self.owns(url) else None
        result = self.fetcher.fetch(url, secret_params=secret, etag=etag, last_modified=last_modified)
        if result.status == 304 or result.media_type != "application/json" \
                or (expected_media_type or "").lower() == "application/json":
            return result
        try:
            payload = json.loads(result.read_bytes()[:1_000_000])
        except ValueError:
            return result
        error = error_from(payload, "pluginfile download")
        if error is None:
            return result
        result.discard()
        raise type(error)(f"{error} while downloading {redact(result.url)}", errorcode=error.errorcode,
                          exception=error.exception, function="pluginfile")


def missing_setup(site_info: Mapping[str, Any], needed: Iterable[str]) -> list[str]:
    """What the token's service lacks, as readable items (empty when all is there)."""
    have = {f.get("name") for f in site_info.get("functions") or [] if isinstance(f, Mapping)}
    missing = [f"function {name}" for name in needed if name not in have]
    if int(site_info.get("downloadfiles") or 0) != 1:
        missing.append("file downloads (the service's 'Can download files' / downloadfiles = 1)")
    return missing
