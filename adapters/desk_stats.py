"""The desk's stats page and the trainers' notes on its cases (JSON API beside adapters/desk.py).

  GET  /desk/stats                           the page (desk-stats.html / desk-stats.js)
  GET  /desk/api/stats?period=7d&team=&language=&since=&until=   the report as JSON, with its sections
  GET  /desk/api/stats/chart.png?...         the same chart as Slack's (204 when there is nothing to draw)
  GET  /desk/api/cases/{id}/notes            the notes for the trainers on a case
  POST /desk/api/cases/{id}/notes            {"text": ...} adds one (X-Staff-Name says who)

Everyone with the staff token sees the stats here: the desk has no per-person sign-in (Slack and Teams
check the operator file's supervisors).
"""
from __future__ import annotations

import asyncio
import json
import re
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.report_text import sections, summary_lines, title
from routing.report import PERIODS, Period

if TYPE_CHECKING:
    from adapters.desk import Desk

_LANGUAGE = re.compile(r"^[a-z]{2}$")


def _bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": message}), content_type="application/json")


class DeskStats:
    def __init__(self, desk: "Desk"):
        self.desk = desk
        self.service = desk.service

    def mount(self, app: web.Application) -> None:
        app.router.add_get("/desk/stats", self.page)
        app.router.add_get("/desk/api/stats", self.stats)
        app.router.add_get("/desk/api/stats/chart.png", self.chart)
        app.router.add_get("/desk/api/cases/{case_id:\\d+}/notes", self.notes)
        app.router.add_post("/desk/api/cases/{case_id:\\d+}/notes", self.add_note)

    async def page(self, request: web.Request) -> web.StreamResponse:
        from adapters.desk import _HTML, STATIC

        if not self.desk._authorised(request):
            return web.FileResponse(STATIC / "desk-login.html", status=401, headers=_HTML)
        return web.FileResponse(STATIC / "desk-stats.html", headers=_HTML)

    async def _report(self, request: web.Request):
        self.desk._require(request)
        query = request.query
        now = self.service.clock()
        try:
            if query.get("since"):
                until = date.fromisoformat(query["until"]) if query.get("until") else None
                period = Period.between(date.fromisoformat(query["since"]), until, now)
            else:
                period = Period.named(query.get("period") or "7d", now)
        except ValueError:
            raise _bad(f"period is one of {', '.join(PERIODS)}, or since=YYYY-MM-DD (and until=)") from None
        team = query.get("team") or None
        if team is not None and team not in {known.id for known in self.service.operator.teams}:
            raise _bad("no such team")
        language = (query.get("language") or "").lower() or None
        if language is not None and not _LANGUAGE.match(language):
            raise _bad("language is a two-letter code such as es")
        return await self.service.learning.report(period, team, language)

    async def stats(self, request: web.Request) -> web.Response:
        report = await self._report(request)
        return web.json_response({"title": title(report), "report": report.to_json(),
                                  "summary": summary_lines(report),
                                  "sections": [{"title": heading, "rows": rows} for heading, rows in sections(report)],
                                  "empty": report.empty,
                                  "generated_at": datetime.now(timezone.utc).isoformat()})

    async def chart(self, request: web.Request) -> web.Response:
        from adapters.charts import chart_png

        report = await self._report(request)
        if report.empty:
            return web.Response(status=204)
        png = await asyncio.get_running_loop().run_in_executor(None, chart_png, report)
        return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "no-store"})

    async def notes(self, request: web.Request) -> web.Response:
        self.desk._require(request)
        case_id = int(request.match_info["case_id"])
        await self.desk._act(self.service.case(case_id, recent=0))     # 404 for a case that does not exist
        return web.json_response([_note_json(note) for note in await self.service.learning.notes(case_id)])

    async def add_note(self, request: web.Request) -> web.Response:
        staff = self.desk._staff(request)
        body = await self.desk._body(request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad("a note needs some text")
        note = await self.desk._act(self.service.learning.add_note(int(request.match_info["case_id"]), staff, text))
        return web.json_response(_note_json(note), status=201)


def _note_json(note) -> dict:
    return {"id": note.id, "case": note.case_id, "by": note.author_name, "channel": note.channel, "text": note.text,
            "at": note.at.isoformat()}


