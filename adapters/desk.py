"""The local staff desk: the embedded staff channel, used when Slack and Teams are not configured.

It is the reference implementation of routing.channels.StaffChannel: cards and relayed messages
reach it through the outbox like any platform, and it pushes them live to open desk pages. Staff
act through its JSON API (claim, reply, resolve, transfer, unfreeze), which calls the routing service.

Access: a staff token (LLAMITA_STAFF_TOKEN, or generated and printed at start-up). Opening
/desk?token=... starts a desk session: an HttpOnly, SameSite=Lax cookie (sent on links from Slack or
mail, never on other sites' POSTs) holding an expiry signed with the token, not the token itself. It
lasts LLAMITA_DESK_SESSION_HOURS (a working day by default), survives a browser restart, and ends
sooner with "Sign out" or when the staff token changes. API clients send `Authorization: Bearer <token>`.
Each person gives their name on the page (X-Staff-Name).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import re
import time
from contextlib import suppress
from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from aiohttp import WSCloseCode, WSMsgType, web

from adapters.attachments.links import Links
from adapters.attachments.web import Inspector, read_upload
from adapters.desk_stats import DeskStats
from adapters.labels import sentiment_label, summary_fields
from bot.summary import mask_contacts
from routing.channels import Delivery
from routing.config import Settings, TeamConfig
from routing.hub import STAFF_TOPIC
from routing.lifecycle import IllegalMove
from routing.queries import MAX_PAGE_SIZE, PAGE_SIZE
from routing.service import CaseNotFound, NotYours, RoutingService, text_refusal, unstorable
from routing.views import CaseView, MessageView, StaffMember, format_wait, reminded_label

STATIC = Path(__file__).parent / "static"
COOKIE = "llamita_staff"
_HTML = {"Content-Type": "text/html; charset=utf-8"}  # set up front so the middleware adds the CSP
_NAME = re.compile(r"^[\w .'-]{1,40}$", re.UNICODE)


def _whole(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 9:
        raise web.HTTPBadRequest(text=json.dumps({"error": f"{name} must be a whole number"}),
                                 content_type="application/json")
    return int(raw)


def case_json(case: CaseView, earlier: list | None = None) -> dict:
    data = asdict(case)
    data["waited"] = format_wait(case.waited_seconds)
    data["waited_seconds"] = round(case.waited_seconds)
    data["reminded"] = reminded_label(case.reminders_sent)
    for key in ("opened_at", "handed_over_at", "claimed_at", "closed_at", "waiting_since", "customer_waiting_since",
                "as_of"):
        data[key] = data[key].isoformat() if data[key] else None
    data["recent"] = [message_json(m) for m in case.recent]
    data["earlier"] = [{"id": e.id, "state": e.state, "reason": e.reason, "opened_at": e.opened_at.isoformat(),
                        "closed_at": e.closed_at.isoformat() if e.closed_at else None} for e in earlier or []]
    data["handover"] = handover_json(case)
    data["mood"] = sentiment_label(case.sentiment)
    if data["customer"].get("email"):
        data["customer"]["email"] = mask_contacts(data["customer"]["email"])
    return data


def handover_json(case: CaseView) -> dict | None:
    """The hand-over summary as the desk shows it: the same fields as the Slack and Teams cards."""
    if case.handover is None:
        return None
    data = case.handover.to_json()
    data["fields"] = [list(row) for row in summary_fields(case)]
    return data


def message_json(message: MessageView, links: Links | None = None) -> dict:
    data = {"id": message.id, "seq": message.seq, "author": message.author, "name": message.name,
            "text": message.text,
            "at": message.at.isoformat(), "translation": message.translation,
            "translation_state": message.translation_state, "translation_language": message.translation_language}
    if message.attachment is not None and links is not None:
        data["attachment"] = links.describe(message.attachment)
    return data


def session_value(staff_token: str, expires: int) -> str:
    """The desk cookie: an expiry signed with the staff token (a new token ends every session)."""
    mac = hmac.new(staff_token.encode(), f"desk-session:{expires}".encode(), hashlib.sha256).hexdigest()
    return f"{expires}.{mac}"


def session_valid(staff_token: str, value: str, now: float) -> bool:
    expires, _, _mac = value.partition(".")
    if not expires.isdigit() or len(expires) > 12 or int(expires) < now:
        return False
    return hmac.compare_digest(session_value(staff_token, int(expires)).encode(), value.encode())


def _day(request: web.Request, name: str) -> datetime | None:
    raw = request.query.get(name) or ""
    if not raw:
        return None
    try:
        return datetime.combine(date.fromisoformat(raw), datetime.min.time(), tzinfo=timezone.utc)
    except ValueError:
        raise web.HTTPBadRequest(text=json.dumps({"error": f"{name} must be a date (YYYY-MM-DD)"}),
                                 content_type="application/json") from None


class Desk:
    name = "desk"

    def __init__(self, service: RoutingService, settings: Settings):
        self.service = service
        self.settings = settings
        self._sockets: set[web.WebSocketResponse] = set()
        self.links = Links(settings.identity_secret, settings.base_url, settings.attachments.link_seconds)
        self.inspector = Inspector(settings.attachments)

    # -- StaffChannel: every team's cases show on the desk.
    def target_for(self, team: TeamConfig) -> str | None:
        return team.id

    async def deliver(self, delivery: Delivery) -> str | None:
        await self.service.hub.publish(STAFF_TOPIC, {
            "type": delivery.kind, "case_id": delivery.case.id,
            "seq": delivery.message.seq if delivery.message else None})
        return f"desk:{delivery.case.id}"

    # -- pages and API
    def mount(self, app: web.Application) -> None:
        app.router.add_get("/desk", self.page)
        app.router.add_post("/desk/signout", self.sign_out)
        app.router.add_get("/desk/ws", self.socket)
        app.router.add_get("/desk/api/history", self.history)
        app.router.add_get("/desk/api/teams", self.teams)
        app.router.add_get("/desk/api/cases", self.list_cases)
        app.router.add_get("/desk/api/cases/{case_id:\\d+}", self.show_case)
        app.router.add_post("/desk/api/cases/{case_id:\\d+}/claim", self.claim)
        app.router.add_post("/desk/api/cases/{case_id:\\d+}/messages", self.reply)
        app.router.add_post("/desk/api/cases/{case_id:\\d+}/attachments", self.attach)
        app.router.add_post("/desk/api/cases/{case_id:\\d+}/resolve", self.resolve)
        app.router.add_post("/desk/api/cases/{case_id:\\d+}/transfer", self.transfer)
        app.router.add_post("/desk/api/cases/{case_id:\\d+}/unfreeze", self.unfreeze)
        app.router.add_post("/desk/api/cases/{case_id:\\d+}/typing", self.typing)
        DeskStats(self).mount(app)   # the stats page and the trainers' notes (adapters/desk_stats.py)

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            given = header[len("Bearer "):]
            # Bytes from headers a client controls: anything but ASCII (even invalid UTF-8) is simply not the token.
            return bool(given) and given.isascii() and hmac.compare_digest(given.encode(),
                                                                            self.settings.staff_token.encode())
        cookie = request.cookies.get(COOKIE, "")
        return bool(cookie) and cookie.isascii() and session_valid(self.settings.staff_token, cookie, time.time())

    def _require(self, request: web.Request) -> None:
        if not self._authorised(request):
            raise web.HTTPUnauthorized(text='{"error": "staff token required"}', content_type="application/json")

    def _staff(self, request: web.Request) -> StaffMember:
        self._require(request)
        name = request.headers.get("X-Staff-Name", "").strip()
        if not _NAME.match(name):
            raise web.HTTPBadRequest(text='{"error": "tell us your name (X-Staff-Name, up to 40 letters)"}',
                                     content_type="application/json")
        return StaffMember(id="desk:" + name.lower(), name=name, channel=self.name)

    async def page(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("token")
        if token is not None:
            if not token.isascii() or not hmac.compare_digest(token.encode(), self.settings.staff_token.encode()):
                return self._sign_in_page()
            seconds = round(self.settings.desk_session_hours * 3600)
            response = web.HTTPFound("/desk")
            response.set_cookie(COOKIE, session_value(self.settings.staff_token, int(time.time()) + seconds),
                                max_age=seconds, httponly=True, samesite="Lax", path="/desk",
                                secure=self.settings.base_url.startswith("https://"))
            raise response
        if not self._authorised(request):
            return self._sign_in_page()
        return web.FileResponse(STATIC / "desk.html", headers=_HTML)

    def _sign_in_page(self) -> web.Response:
        """The sign-in page, showing the desk link at this server's real public address (LLAMITA_PUBLIC_URL)."""
        page = (STATIC / "desk-login.html").read_text(encoding="utf-8")
        page = page.replace("{{DESK_URL}}", html.escape(self.settings.base_url + "/desk?token=…"))
        page = page.replace("{{SESSION_HOURS}}", html.escape(f"{self.settings.desk_session_hours:g}"))
        return web.Response(text=page, status=401, content_type="text/html", charset="utf-8")

    async def sign_out(self, _request: web.Request) -> web.Response:
        # SameSite=Lax: another site's form cannot post here with the cookie; signing out needs no token.
        response = web.HTTPSeeOther("/desk?signed_out=1")
        response.del_cookie(COOKIE, path="/desk")
        raise response

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        self._require(request)
        origin = request.headers.get("Origin")
        if origin and origin.split("://", 1)[-1] != request.host:
            # Browsers send cookies on cross-site WebSocket handshakes; only the desk's own pages may listen.
            raise web.HTTPForbidden(text='{"error": "the desk socket is for the desk page only"}',
                                    content_type="application/json")
        ws = web.WebSocketResponse(heartbeat=25)
        await ws.prepare(request)
        self._sockets.add(ws)
        async with self.service.hub.subscribe(STAFF_TOPIC) as events:
            async def forward():
                while not ws.closed:
                    await ws.send_json(await events.get())

            pusher = asyncio.create_task(forward())
            try:
                async for frame in ws:
                    if frame.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                        break
            finally:
                pusher.cancel()
                with suppress(asyncio.CancelledError, ConnectionResetError):
                    await pusher
                self._sockets.discard(ws)
        return ws

    async def close_connections(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server restarting")

    async def teams(self, request: web.Request) -> web.Response:
        self._require(request)
        return web.json_response([{"id": t.id, "name": t.name, "languages": list(t.languages)}
                                  for t in self.service.operator.teams])

    async def list_cases(self, request: web.Request) -> web.Response:
        """A page of open cases (oldest hand-over first): `limit` (default 50, at most 200) after case `after`.
        The body is the page; X-Total-Count says how many are open, X-Next-After where the next page starts."""
        self._require(request)
        after, limit = _whole(request, "after", 0), _whole(request, "limit", PAGE_SIZE)
        team = request.query.get("team") or None
        if team is not None and team not in {known.id for known in self.service.operator.teams}:
            raise web.HTTPBadRequest(text=json.dumps({"error": "no such team"}), content_type="application/json")
        page = await self.service.open_case_page(team, after=after,
                                                 limit=min(limit, MAX_PAGE_SIZE) or PAGE_SIZE)
        return await self._page_answer(page)

    async def history(self, request: web.Request) -> web.Response:
        """Closed cases, newest first: `q` (a case number, customer, booking reference or words from the
        conversation), `from` and `to` (dates, inclusive), paged like the open cases."""
        self._require(request)
        after, limit = _whole(request, "after", 0), _whole(request, "limit", PAGE_SIZE)
        since, until = _day(request, "from"), _day(request, "to")
        page = await self.service.closed_case_page(
            (request.query.get("q") or "").strip() or None, since=since,
            until=until + timedelta(days=1) if until else None, after=after,
            limit=min(limit, MAX_PAGE_SIZE) or PAGE_SIZE)
        return await self._page_answer(page)

    async def _page_answer(self, page) -> web.Response:
        headers = {"X-Total-Count": str(page.total)}
        if page.next_after is not None:
            headers["X-Next-After"] = str(page.next_after)
        earlier = await self.service.earlier_cases([case.id for case in page.cases])
        return web.json_response([case_json(case, earlier.get(case.id)) for case in page.cases], headers=headers)

    async def show_case(self, request: web.Request) -> web.Response:
        self._require(request)
        case = await self._case(request)
        messages = await self.service.messages_after(case.conversation_id, 0, for_staff=True)
        earlier = await self.service.earlier_cases([case.id])
        return web.json_response({"case": case_json(case, earlier.get(case.id)),
                                  "messages": [message_json(m, self.links) for m in messages]})

    async def claim(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        body = await self._body(request)
        outcome = await self._act(self.service.claim(self._case_id(request), staff,
                                                     take_over=bool(body.get("take_over"))))
        status = 200 if outcome.won else 409
        return web.json_response({"won": outcome.won, "holder": outcome.holder_name,
                                  "case": case_json(outcome.case)}, status=status)

    async def reply(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        body = await self._body(request)
        text = body.get("text")
        if not isinstance(text, str) or text_refusal(text):
            raise web.HTTPBadRequest(text='{"error": "a reply needs 1 to 4000 characters of text (no NUL)"}',
                                     content_type="application/json")
        client_id = body.get("id") if isinstance(body.get("id"), str) else None
        if client_id is not None and unstorable(client_id):
            raise web.HTTPBadRequest(text='{"error": "a message id cannot contain NUL"}',
                                     content_type="application/json")
        # The id is the sender's: a colleague's reply with the same id is a different message.
        outcome = await self._act(self.service.staff_message(
            self._case_id(request), staff, text, external_id=f"{staff.id}:{client_id}" if client_id else None))
        return web.json_response({"to_customer": outcome.to_customer, "duplicate": outcome.duplicate,
                                  "message": message_json(outcome.message, self.links) if outcome.message else None})

    async def attach(self, request: web.Request) -> web.Response:
        """A photo or document from staff: to the customer from the case's holder, else an internal note."""
        staff = self._staff(request)
        case_id = self._case_id(request)
        upload = await read_upload(request, self.settings.attachments.max_bytes)
        client_id = upload.client_id
        if client_id is not None and (len(client_id) > 100 or unstorable(client_id)):
            raise web.HTTPBadRequest(text='{"error": "a message id is at most 100 characters"}',
                                     content_type="application/json")
        clean = await self.inspector.clean(upload)
        received = await self._act(self.service.attachments.from_staff(
            case_id, staff, clean, f"{staff.id}:{client_id}" if client_id else None))
        return web.json_response({"to_customer": received.to_customer, "duplicate": received.duplicate,
                                  "message": message_json(received.message, self.links)
                                  if received.message else None})

    async def resolve(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        case = await self._act(self.service.resolve(self._case_id(request), staff))
        return web.json_response({"case": case_json(case)})

    async def transfer(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        body = await self._body(request)
        case = await self._act(self.service.transfer(self._case_id(request), str(body.get("team", "")), staff))
        return web.json_response({"case": case_json(case)})

    async def unfreeze(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        case = await self._act(self.service.unfreeze(self._case_id(request), staff))
        return web.json_response({"case": case_json(case)})

    async def typing(self, request: web.Request) -> web.Response:
        """The person writing a reply: the customer's widget says so, if they hold the case."""
        staff = self._staff(request)
        await self._act(self.service.staff_typing(self._case_id(request), staff))
        return web.json_response({"ok": True})

    # -- helpers
    @staticmethod
    def _case_id(request: web.Request) -> int:
        return int(request.match_info["case_id"])   # the route admits digits only; routing knows which exist

    async def _case(self, request: web.Request) -> CaseView:
        return await self._act(self.service.case(self._case_id(request), recent=0))

    @staticmethod
    async def _body(request: web.Request) -> dict:
        if not request.can_read_body:
            return {}
        try:
            body = await request.json()
        except (ValueError, RecursionError):   # RecursionError: deeply nested JSON
            raise web.HTTPBadRequest(text='{"error": "the body must be JSON"}',
                                     content_type="application/json") from None
        return body if isinstance(body, dict) else {}

    @staticmethod
    async def _act(awaitable):
        """Turn the service's refusals into clear HTTP answers (never a 500 with a stack trace)."""
        try:
            return await awaitable
        except CaseNotFound:
            raise web.HTTPNotFound(text='{"error": "no such case"}', content_type="application/json") from None
        except NotYours as refused:
            raise web.HTTPForbidden(text=json.dumps({"error": str(refused)}),
                                    content_type="application/json") from None
        except (IllegalMove, ValueError) as refused:
            raise web.HTTPConflict(text=json.dumps({"error": str(refused)}),
                                   content_type="application/json") from None
