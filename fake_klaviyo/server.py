"""A fake Klaviyo on 127.0.0.1: the endpoints the app reads, its OAuth server, and faults.

It serves the bundled sample account (data/sample/usage.csv) through the response shapes of
Klaviyo's official OpenAPI spec (tests/contract checks every fixture and request against it).
Every request is recorded. Misbehaviour, chosen per test:

- `faults`, queued for the next API requests (one each): "429", "503", "slow", "html",
  "html403", "badjson"; "429-hour" (Retry-After: 3600); "reset-hour" (a normal answer whose
  RateLimit-Reset is an hour away, with none remaining); "hang" (no answer for `hang_seconds`);
  "drip" (headers, then the body one byte every `drip_seconds`); "drip-headers" (the whole
  answer, status line included, one byte at a time).
- `hostile`, answers of the wrong shape for every request to a route: the key is an API path,
  or a path and a metric id ("/api/metric-aggregates RcvSm1"); the value is one of SHAPES.
- `loop_pages` makes next-page links point back forever.

Try the app against it: `python -m fake_klaviyo` prints a base URL and a key; start the app with
KLAVIYO_BASE_URL set to that URL.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

from engine.history import add_months
from ingest.usage_csv import read_usage_file

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "usage.csv"
JSONAPI = "application/vnd.api+json"
KEY = "pk_fake_0123456789abcdef0123456789abcdef"
CLIENT_ID, CLIENT_SECRET = "fake-client-id", "fake-client-secret"
# Klaviyo's scope names, written out here rather than imported from the client: the fake models
# Klaviyo, so a typo in what the client asks for cannot be mirrored by the fake.
ALL_SCOPES = {
    "accounts:read",
    "metrics:read",
    "segments:read",
    "lists:read",
    "profiles:read",
    "usage:read",
}
SCOPES = {
    "/api/accounts": "accounts:read",
    "/api/billing-usage": "usage:read",
    "/api/metrics": "metrics:read",
    "/api/metric-aggregates": "metrics:read",
    "/api/segments": "segments:read",
    "/api/segment-series-reports": "segments:read",
}
METRICS = {
    "RcvEm1": "Received Email",
    "BncEm1": "Bounced Email",
    "RcvSm1": "Received SMS",
    "FldSm1": "Failed to Deliver SMS",
}
SEGMENTS = {"SgAct1": "Active profiles (can receive email)", "SgSms1": "SMS subscribers"}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict
    body: dict | None
    status: int = 0
    response: dict | None = None


@dataclass
class FakeKlaviyo:
    """The fake's state. `start()` returns its base URL."""

    scopes: set[str] = field(default_factory=lambda: set(ALL_SCOPES))
    timezone: str = "US/Eastern"
    slow_seconds: float = 3.0
    hang_seconds: float = 30.0
    drip_seconds: float = 0.2
    billing_usage_available: bool = True
    loop_pages: bool = False  # a server whose next-page links never end
    metric_names: dict[str, str] = field(default_factory=lambda: dict(METRICS))  # id -> name
    retry_after: str = "1"  # the Retry-After of the "429" fault
    faults: list[str] = field(default_factory=list)
    hostile: dict[str, str] = field(default_factory=dict)  # route -> a name in SHAPES
    requests: list[Recorded] = field(default_factory=list)
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (epoch s)
    refresh_tokens: set[str] = field(default_factory=set)
    codes: dict[str, dict] = field(default_factory=dict)
    revoked: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.history = read_usage_file(SAMPLE).history
        self._server: ThreadingHTTPServer | None = None
        self.lock = threading.Lock()
        self.stopping = threading.Event()  # ends hangs and drips, so that stop() returns at once

    # ------------------------------------------------------------ lifecycle

    def start(self, port: int = 0) -> str:
        fake = self

        class Handler(_Handler):
            state = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self.base_url

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.stopping.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def next_fault(self) -> str | None:
        with self.lock:
            return self.faults.pop(0) if self.faults else None

    # ------------------------------------------------------------ data

    def month_row(self, month: date):
        return next((m for m in self.history.months if m.month == month), None)

    def metric_count(self, metric_id: str, month: date) -> int:
        row = self.month_row(month)
        if row is None:
            return 0
        received_email = round(row.email_sends * 0.98)
        received_sms = round(row.sms_credits * 0.97)
        return {
            "RcvEm1": received_email,
            "BncEm1": row.email_sends - received_email,
            "RcvSm1": received_sms,
            "FldSm1": row.sms_credits - received_sms,
        }[metric_id]


def _resources(body: dict) -> list[dict]:
    data = body.get("data")
    return data if isinstance(data, list) else [data] if isinstance(data, dict) else []


def _counts(body: dict) -> list[list]:
    """The number lists of an aggregate (one per row) or of a series report (one per result)."""
    attrs = body["data"]["attributes"]
    if "dates" in attrs:
        return [row["measurements"]["count"] for row in attrs["data"]]
    return [r["statistics"]["total_members"] for r in attrs["results"]]


def _set_next(link) -> Callable[[dict], None]:
    def shape(body: dict) -> None:
        body.setdefault("links", {})["next"] = link

    return shape


def _each_count(change: Callable[[list], None]) -> Callable[[dict], None]:
    def shape(body: dict) -> None:
        for values in _counts(body):
            change(values)

    return shape


# Answers of the wrong shape (FakeKlaviyo.hostile): each changes a normal answer in place.
SHAPES: dict[str, Callable[[dict], None]] = {
    "data-string": lambda b: b.update(data="unexpected"),
    "data-null": lambda b: b.update(data=None),
    "no-id": lambda b: [r.pop("id", None) for r in _resources(b)],
    "no-attributes": lambda b: [r.pop("attributes", None) for r in _resources(b)],
    "no-dates": lambda b: [b["data"]["attributes"].pop(k, None) for k in ("dates", "date_times")],
    "string-counts": _each_count(lambda v: v.__setitem__(0, str(int(v[0])))),
    "nan-counts": _each_count(lambda v: v.__setitem__(0, float("nan"))),
    "null-counts": _each_count(lambda v: v.__setitem__(-1, None)),
    "short-counts": _each_count(lambda v: v.__delitem__(slice(-2, None))),  # shorter than dates
    "empty-rows": lambda b: b["data"]["attributes"].update(data=[]),
    "next-not-string": _set_next({"href": "/api/metrics/?page%5Bcursor%5D=p2"}),
    "next-odd-scheme": _set_next("file:///api/metrics/?page%5Bcursor%5D=p2"),
    "next-other-host": _set_next("https://collector.example/api/metrics/?page%5Bcursor%5D=p2"),
}


def _error(status: int, code: str, title: str, detail: str) -> dict:
    return {"errors": [{"id": f"00000000-0000-0000-0000-000000000{status}", "status": status, "code": code,
                        "title": title, "detail": detail, "source": {"pointer": "/data/"}}]}  # fmt: skip


def _route(path: str) -> str:
    """The route of an API path: /api/segments/{id} is the segments route."""
    return "/api/segments" if path.startswith("/api/segments/") else path


def _month(stamp: str) -> date:
    d = datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()
    return date(d.year, d.month, 1)


class _Handler(BaseHTTPRequestHandler):
    state: FakeKlaviyo
    server_version = "FakeKlaviyo/1"

    def log_message(self, *args):  # quiet: tests read `requests` instead
        pass

    # ------------------------------------------------------------ plumbing

    def _send(self, status: int, body, content_type: str = JSONAPI, headers: dict | None = None) -> None:
        if status == 200 and isinstance(body, dict) and self._shape:
            SHAPES[self._shape](body)
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        if self._record is not None:  # before the client can see the reply, so tests never race it
            self._record.status = status
            with contextlib.suppress(ValueError):
                self._record.response = json.loads(raw) if "json" in content_type else None
        headers = {"Content-Type": content_type, "Content-Length": str(len(raw)), **(headers or {})}
        if self._fault == "reset-hour":
            headers.update(
                {"RateLimit-Limit": "15", "RateLimit-Remaining": "0", "RateLimit-Reset": "3600"}
            )
        if self._fault in ("drip", "drip-headers"):
            return self._drip(status, headers, raw)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)
        return None

    def _drip(self, status: int, headers: dict, raw: bytes) -> None:
        """The answer a byte at a time (all of it, or the body after whole headers)."""
        head = f"{self.protocol_version} {status} {self.responses[status][0]}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        whole = head.encode("latin-1") + b"\r\n" + raw
        at_once = 0 if self._fault == "drip-headers" else len(whole) - len(raw)
        with contextlib.suppress(OSError):  # the client may give up and close: that is the point
            self.wfile.write(whole[:at_once])
            self.wfile.flush()
            for i in range(at_once, len(whole)):
                if self.state.stopping.wait(self.state.drip_seconds):
                    return
                self.wfile.write(whole[i : i + 1])
                self.wfile.flush()

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def _handle(self, method: str) -> None:
        split = urlsplit(self.path)
        path, query = split.path.rstrip("/") or "/", parse_qs(split.query)
        raw = self._read_body()
        self._record, self._fault, self._shape = None, None, None
        if path.startswith("/oauth/"):
            return self._oauth(method, path, query, raw)
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                return self._send(400, _error(400, "invalid", "Invalid input.", "Body is not JSON."))
        self._record = Recorded(
            method, path, {k: v[0] for k, v in query.items()}, dict(self.headers), body
        )
        self.state.requests.append(self._record)

        fault = self._fault = self.state.next_fault()
        if self._answer_fault(fault) or self._refuse(method, path):
            return None
        data = body.get("data") if isinstance(body, dict) else None
        metric = data.get("attributes", {}).get("metric_id") if isinstance(data, dict) else None
        self._shape = self.state.hostile.get(f"{path} {metric}") or self.state.hostile.get(path)
        handler = {
            ("GET", "/api/accounts"): self._accounts,
            ("GET", "/api/billing-usage"): self._billing_usage,
            ("GET", "/api/metrics"): self._metrics,
            ("POST", "/api/metric-aggregates"): self._aggregates,
            ("GET", "/api/segments"): self._segments,
            ("POST", "/api/segment-series-reports"): self._series,
        }.get((method, _route(path)))
        if handler is None:
            return self._send(
                405, _error(405, "method_not_allowed", "Method not allowed.", "Method not allowed.")
            )
        return handler(path, query, body, fault)

    def _answer_fault(self, fault: str | None) -> bool:
        """Answer as the queued fault says, if it replaces the answer; "slow" only delays it."""
        if fault == "hang":
            self.state.stopping.wait(self.state.hang_seconds)
            return True
        if fault == "429-hour":
            self._send(429, _error(429, "throttled", "Request was throttled.",
                                   "Request was throttled. Expected available in 3600 seconds."),
                       headers={"Retry-After": "3600"})  # fmt: skip
            return True
        if fault == "429":
            self._send(429, _error(429, "throttled", "Request was throttled.",
                                   "Request was throttled. Expected available in 1 second."),
                       headers={"Retry-After": self.state.retry_after})  # fmt: skip
            return True
        if fault == "503":
            self._send(503, _error(503, "error", "Service unavailable.", "Try again."))
            return True
        if fault == "html":
            self._send(200, b"<html><body>Maintenance</body></html>", "text/html")
            return True
        if fault == "html403":
            self._send(403, b"<html>Just a moment...</html>", "text/html", {"cf-mitigated": "challenge"})
            return True
        if fault == "badjson":
            self._send(200, b'{"data": [', JSONAPI)
            return True
        if fault == "slow":
            time.sleep(self.state.slow_seconds)
        return False

    def _refuse(self, method: str, path: str) -> bool:
        """Answer as Klaviyo refuses a request (key, headers, scope, media type), if it does."""
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Klaviyo-API-Key "):
            ok = auth.removeprefix("Klaviyo-API-Key ") == KEY
        elif auth.startswith("Bearer "):
            ok = self.state.access_tokens.get(auth.removeprefix("Bearer "), 0) > time.time()
        else:
            ok = False
        if not ok:
            self._send(401, _error(401, "not_authenticated", "Authentication credentials were not provided.",
                                   "Missing or invalid authorization scheme. Please use Klaviyo-API-Key."))  # fmt: skip
            return True
        if not self.headers.get("revision") or self.headers.get("Accept") != JSONAPI:
            self._send(
                400, _error(400, "invalid", "Invalid input.", "Missing revision or Accept header.")
            )
            return True
        scope = SCOPES.get(_route(path))
        if scope is None:
            self._send(404, _error(404, "not_found", "Not found.", "No such endpoint."))
            return True
        if scope not in self.state.scopes:
            self._send(403, _error(403, "permission_denied", "You do not have permission to perform this action.",
                                   "You do not have permission to perform this action."))  # fmt: skip
            return True
        if method == "POST" and self.headers.get("Content-Type") != JSONAPI:
            self._send(
                415, _error(415, "unsupported_media_type", "Unsupported media type.", "Use JSON:API.")
            )
            return True
        return False

    # ------------------------------------------------------------ API

    def _link(self, path: str) -> str:
        return f"{self.state.base_url}{path}"

    def _accounts(self, path, query, body, fault):
        self._send(200, {"data": [{"type": "account", "id": "FakeAc", "attributes": {
            "test_account": False,
            "contact_information": {"default_sender_name": "Sample Store", "default_sender_email": "hello@store.example",
                                    "website_url": "https://store.example", "organization_name": "Sample Store Ltd",
                                    "street_address": {"address1": "1 Main St", "address2": None, "city": "Boston",
                                                       "region": "MA", "country": "US", "zip": "02110"}},
            "industry": "Retail", "timezone": self.state.timezone, "preferred_currency": "USD",
            "public_api_key": "FakeAc", "locale": "en-US"},
            "links": {"self": self._link("/api/accounts/FakeAc/")}}],
            "links": {"self": self._link("/api/accounts/")}})  # fmt: skip

    def _billing_usage(self, path, query, body, fault):
        if self.headers.get("revision") not in {"2026-10-15", "2026-07-15.pre"}:
            return self._send(
                400, _error(400, "invalid", "Invalid input.", "Invalid revision for this endpoint.")
            )
        if not self.state.billing_usage_available:
            return self._send(404, _error(404, "not_found", "Not found.", "Not available."))
        last = self.state.history.last
        period = {"period_start": "2026-11-08T00:00:00+00:00", "period_end": "2026-12-08T00:00:00+00:00",
                  "as_of": "2026-11-20T06:00:00+00:00"}  # fmt: skip
        rows = [("email_sends", 160000, 300000, "messages"), ("active_profiles", last.active_profiles, 27000, "profiles"),
                ("sms_credits", 4211.5, 7500, "credits")]  # fmt: skip
        self._send(200, {"data": [{"type": "billing-usage", "id": i, "attributes": {
            "usage_used": used, "usage_max": cap, "unit": unit, **period},
            "links": {"self": self._link(f"/api/billing-usage/{i}")}} for i, used, cap, unit in rows],
            "links": {"self": self._link("/api/billing-usage")}})  # fmt: skip

    def _metrics(self, path, query, body, fault):
        items = [{"type": "metric", "id": mid, "attributes": {
            "name": name, "created": "2022-05-31T17:01:08+00:00", "updated": "2022-05-31T17:01:08+00:00",
            "integration": {"object": "integration", "id": "0rG4eQ", "key": "klaviyo", "name": "Klaviyo",
                            "category": "Internal"}},
            "links": {"self": self._link(f"/api/metrics/{mid}/")}} for mid, name in self.state.metric_names.items()]  # fmt: skip
        second = query.get("page[cursor]", [""])[0] == "p2"
        next_link = self._link("/api/metrics/?" + urlencode({"page[cursor]": "p2"}))
        links = {
            "self": self._link("/api/metrics/")
        }  # the spec types next/prev as strings: omit, never null
        if self.state.loop_pages:  # every page says the next one is page 1 again
            links["next"] = self._link("/api/metrics/?" + urlencode({"page[cursor]": "p1"}))
            return self._send(200, {"data": items[:2], "links": links})
        if not second:
            links["next"] = next_link
        self._send(200, {"data": items[2:] if second else items[:2], "links": links})

    def _aggregates(self, path, query, body, fault):
        attrs = (body or {}).get("data", {}).get("attributes", {})
        if (body or {}).get("data", {}).get("type") != "metric-aggregate" or attrs.get(
            "metric_id"
        ) not in self.state.metric_names:
            return self._send(
                400, _error(400, "invalid", "Invalid input.", "Bad metric aggregate query.")
            )
        bounds = {f.split("(")[0]: f.split(",", 1)[1].rstrip(")") for f in attrs.get("filter", [])}
        if "greater-or-equal" not in bounds or "less-than" not in bounds:
            return self._send(
                400, _error(400, "invalid", "Invalid input.", "A datetime range is required.")
            )
        start, end = (datetime.fromisoformat(bounds[k]) for k in ("greater-or-equal", "less-than"))
        if end - start > timedelta(days=366):
            return self._send(
                400,
                _error(400, "invalid", "Invalid input.", "The time range may span one year at most."),
            )
        zone = ZoneInfo(attrs.get("timezone", "UTC"))
        month, dates, counts = date(start.year, start.month, 1), [], []
        while month < end.date():
            local_midnight = datetime(month.year, month.month, 1, tzinfo=zone)
            dates.append(local_midnight.astimezone(ZoneInfo("UTC")).isoformat())
            counts.append(float(self.state.metric_count(attrs["metric_id"], month)))
            month = add_months(month, 1)
        self._send(200, {"data": {"type": "metric-aggregate", "id": secrets.token_hex(8),
                                  "attributes": {"dates": dates, "data": [{"dimensions": [], "measurements": {"count": counts}}]},
                                  "links": {"self": self._link("/api/metric-aggregates/")}},
                         "links": {"self": self._link("/api/metric-aggregates/")}})  # fmt: skip

    def _segment(self, sid: str, with_count: bool) -> dict:
        attrs = {"name": SEGMENTS[sid], "created": "2023-02-01T10:00:00+00:00", "updated": "2026-10-01T10:00:00+00:00",
                 "is_active": True, "is_processing": False, "is_starred": True}  # fmt: skip
        if with_count:
            attrs["profile_count"] = self.state.history.last.active_profiles
        return {
            "type": "segment",
            "id": sid,
            "attributes": attrs,
            "links": {"self": self._link(f"/api/segments/{sid}/")},
        }

    def _segments(self, path, query, body, fault):
        if path == "/api/segments":
            return self._send(200, {"data": [self._segment(s, False) for s in SEGMENTS],
                                    "links": {"self": self._link("/api/segments/")}})  # fmt: skip
        sid = path.rsplit("/", 1)[1]
        if sid not in SEGMENTS:
            return self._send(404, _error(404, "not_found", "Not found.", f"Segment {sid} not found."))
        with_count = query.get("additional-fields[segment]", [""])[0] == "profile_count"
        self._send(200, {"data": self._segment(sid, with_count), "links": {"self": self._link(path)}})

    def _series(self, path, query, body, fault):
        attrs = (body or {}).get("data", {}).get("attributes", {})
        frame = attrs.get("timeframe", {})
        try:
            start, end = datetime.fromisoformat(frame["start"]), datetime.fromisoformat(frame["end"])
        except (KeyError, ValueError):
            return self._send(400, _error(400, "invalid", "Invalid input.", "A timeframe is required."))
        if attrs.get("interval") != "monthly" or end - start > timedelta(weeks=52):
            return self._send(
                400, _error(400, "invalid", "Invalid input.", "Monthly interval: 52 weeks at most.")
            )
        sid = attrs.get("filter", "").split('"')[1] if '"' in attrs.get("filter", "") else ""
        if sid not in SEGMENTS:
            return self._send(400, _error(400, "invalid", "Invalid input.", "Unknown segment."))
        month, stamps, values = date(start.year, start.month, 1), [], []
        while month < end.date():
            row = self.state.month_row(month)
            stamps.append(f"{month.isoformat()}T00:00:00+00:00")
            values.append(row.active_profiles if row else 0)
            month = add_months(month, 1)
        self._send(200, {"data": {"type": "segment-series-report", "attributes": {
            "date_times": stamps, "results": [{"groupings": {"segment_id": sid}, "statistics": {"total_members": values}}]}},
            "links": {"self": self._link("/api/segment-series-reports/")}})  # fmt: skip

    # ------------------------------------------------------------ OAuth

    def _oauth(self, method: str, path: str, query: dict, raw: bytes) -> None:
        st = self.state
        if path == "/oauth/authorize" and method == "GET":
            q = {k: v[0] for k, v in query.items()}
            if q.get("client_id") != CLIENT_ID or q.get("code_challenge_method") != "S256":
                return self._send(400, {"error": "invalid_request"}, "application/json")
            code = secrets.token_urlsafe(16)
            st.codes[code] = {"challenge": q["code_challenge"], "redirect_uri": q["redirect_uri"]}
            target = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")})
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self._send(401, {"error": "invalid_client"}, "application/json")
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if path == "/oauth/token":
            if form.get("grant_type") == "authorization_code":
                grant = st.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                digest = (
                    base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                    .rstrip(b"=")
                    .decode()
                )
                if (
                    grant is None
                    or grant["redirect_uri"] != form.get("redirect_uri")
                    or digest != grant["challenge"]
                ):
                    return self._send(400, {"error": "invalid_grant"}, "application/json")
            elif form.get("grant_type") == "refresh_token":
                if form.get("refresh_token") not in st.refresh_tokens:
                    return self._send(400, {"error": "invalid_grant"}, "application/json")
                st.refresh_tokens.discard(form["refresh_token"])
            else:
                return self._send(400, {"error": "unsupported_grant_type"}, "application/json")
            access, refresh = "at_" + secrets.token_urlsafe(24), "rt_" + secrets.token_urlsafe(24)
            st.access_tokens[access] = time.time() + 3600
            st.refresh_tokens.add(refresh)
            return self._send(200, {"access_token": access, "token_type": "Bearer", "expires_in": 3600,
                                    "refresh_token": refresh, "scope": " ".join(sorted(ALL_SCOPES))},
                              "application/json")  # fmt: skip
        if path == "/oauth/revoke":
            token = form.get("token", "")
            st.access_tokens.pop(token, None)
            st.refresh_tokens.discard(token)
            st.revoked.append(token)
            return self._send(200, {}, "application/json")
        return self._send(404, {"error": "not_found"}, "application/json")
