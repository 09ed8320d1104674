"""The one web process hosting every edge: the web chat, the desk, Slack's endpoints, health.

`create_app` is the composition root: it builds the store, the hub, the brain and the service from
the settings, plugs in every channel, and starts the background work (migrations, the outbox) when
the application starts. Nothing is created at import time.
"""
from __future__ import annotations

import asyncio
import logging
import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Protocol

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from adapters.attachments.links import Links
from adapters.attachments.web import AttachmentFiles
from adapters.desk import Desk
from adapters.llm import brain_description, build_chat_model, build_llm_brain, close_brain
from adapters.translation import build_translator, translation_description
from adapters.webchat import WebChat
from bot.decision import AnyBrain
from bot.offline import OfflineBrain
from routing.attachments import Attachments
from routing.blobs import blob_store
from routing.channels import StaffChannel
from routing.config import LOOPBACK_HOSTS, Settings
from routing.demo_store import seed_demo_store
from routing.hub import Hub, LocalHub, RedisHub
from routing.models import utcnow
from routing.outbox import Outbox
from routing.scheduler import Scheduler
from routing.service import RoutingService
from routing.store import Store
from routing.ticker import Ticker

log = logging.getLogger(__name__)


class Edge(Protocol):
    """An adapter hosted by the server: it adds its routes, and may run work of its own."""
    name: str

    def mount(self, app: web.Application) -> None: ...


@dataclass
class Runtime:
    settings: Settings
    store: Store
    hub: Hub
    service: RoutingService
    outbox: Outbox
    scheduler: Scheduler
    ticker: Ticker
    edges: list = field(default_factory=list)
    tasks: list[asyncio.Task] = field(default_factory=list)


RUNTIME = web.AppKey("runtime", Runtime)
SHUTDOWN_GRACE_SECONDS = 10.0
LEFTOVERS_SECONDS = 30   # how often each worker looks for acknowledged messages left unanswered (and how old)


def build_brain(settings: Settings) -> AnyBrain:
    """The offline brain, or the LLM brain in front of it when a language model is configured."""
    operator = settings.operator
    policy = operator.policy(machine_translation=settings.translation is not None)
    if settings.llm is None:
        return OfflineBrain(policy)
    return build_llm_brain(settings.llm, policy, company=operator.company, agent_name=operator.agent_name)


def build_runtime(settings: Settings, brain: AnyBrain | None = None, *, teams_tokens=None,
                  clock: Callable[[], datetime] = utcnow) -> Runtime:
    """`teams_tokens`: the Agents SDK token-provider factory for Teams' outbound calls (default: MSAL with the
    app's secret); tests pass one that answers like Entra ID does. `clock`: the one clock routing reads
    (tests move it instead of sleeping)."""
    store = Store(settings.database_url)
    hub: Hub = RedisHub(settings.redis_url) if settings.redis_url else LocalHub()
    operator = settings.operator
    chat_model = build_chat_model(settings.llm) if settings.translation and settings.translation.provider == "llm" \
        and settings.llm else None
    service = RoutingService(store, hub, operator, brain or build_brain(settings),
                             translator=build_translator(settings.translation, chat_model), clock=clock)
    service.attachments = Attachments(service, blob_store(settings.data_dir, settings.attachments.s3))
    webchat = WebChat(service, settings)
    desk = Desk(service, settings)
    files = AttachmentFiles(service.attachments, Links(settings.identity_secret, settings.base_url,
                                                       settings.attachments.link_seconds))
    edges: list = [webchat, desk, files]
    channels: list[StaffChannel] = [desk]
    if settings.slack is not None:
        from adapters.slack import SlackChannel  # only deployments with Slack credentials load Bolt

        slack = SlackChannel(service, settings)
        edges.append(slack)
        channels.append(slack)
    if settings.teams is not None:
        from adapters.teams import TeamsChannel  # only deployments with Teams configured load the Agents SDK

        teams = TeamsChannel(service, settings, token_provider=teams_tokens)
        edges.append(teams)
        channels.append(teams)
    service.staff_channels = channels
    return Runtime(settings, store, hub, service, Outbox(service, channels), Scheduler(service), Ticker(), edges)


def create_app(settings: Settings, brain: AnyBrain | None = None, *, teams_tokens=None,
               clock: Callable[[], datetime] = utcnow) -> web.Application:
    runtime = build_runtime(settings, brain, teams_tokens=teams_tokens, clock=clock)
    app = web.Application(client_max_size=1024 * 1024)   # uploads stream their parts (adapters/attachments)
    app.on_response_prepare.append(security_headers)
    app[RUNTIME] = runtime
    for edge in runtime.edges:
        edge.mount(app)
    app.router.add_get("/healthz", health)
    app.cleanup_ctx.append(_lifetime)
    app.on_shutdown.append(_close_connections)
    return app


async def _close_connections(app: web.Application) -> None:
    for edge in app[RUNTIME].edges:
        if close := getattr(edge, "close_connections", None):
            await close()


async def _lifetime(app: web.Application):
    runtime = app[RUNTIME]
    await runtime.store.migrate()
    await seed_demo_store(runtime.store)
    if isinstance(runtime.hub, RedisHub):
        await runtime.hub.start()
    for edge in runtime.edges:
        if start := getattr(edge, "start", None):
            await start()
    if requeued := await runtime.outbox.requeue_refused():
        log.info("trying %d staff posts again that a platform had refused", requeued)
    runtime.tasks.append(asyncio.create_task(runtime.outbox.run(), name="outbox"))
    runtime.tasks.append(asyncio.create_task(runtime.service.answer_leftovers(), name="recovery"))
    runtime.tasks.append(asyncio.create_task(runtime.service.translations.run(), name="translation-retries"))
    # Each worker ticks; what is due is read from the database, so several workers take each step once.
    if runtime.settings.scheduler_seconds:
        runtime.ticker.every(runtime.settings.scheduler_seconds, runtime.scheduler.tick, "scheduler")
    # Answers that failed after their message was acknowledged (a dropped connection, a dead worker).
    runtime.ticker.every(LEFTOVERS_SECONDS, lambda: runtime.service.answer_leftovers(LEFTOVERS_SECONDS),
                         "unanswered")
    for edge in runtime.edges:
        for seconds, job, name in getattr(edge, "jobs", lambda: [])():
            runtime.ticker.every(seconds, job, name)
    runtime.ticker.start()
    log.info("ready: chat at %s/ and desk at %s/desk", runtime.settings.base_url, runtime.settings.base_url)
    yield
    # Stop cooperatively first: work cancelled mid-transaction leaks connections and can post twice.
    await runtime.ticker.stop()
    runtime.outbox.stop()
    await runtime.service.translations.stop()
    for edge in runtime.edges:
        if drain := getattr(edge, "drain", None):
            await drain()
    _, unfinished = await asyncio.wait(runtime.tasks, timeout=SHUTDOWN_GRACE_SECONDS)
    for task in unfinished:
        task.cancel()
    for task in unfinished:
        with suppress(asyncio.CancelledError, Exception):
            await task
    for edge in runtime.edges:
        if stop := getattr(edge, "stop", None):
            await stop()
    await close_brain(runtime.service.brain)
    await runtime.hub.close()
    await runtime.store.close()


async def health(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    counts = await runtime.service.counts_by_state()
    sockets = sum(edge.open_sockets() for edge in runtime.edges if hasattr(edge, "open_sockets"))
    listeners = runtime.hub.listeners() if hasattr(runtime.hub, "listeners") else None
    return web.json_response({"status": "ok", "database": runtime.settings.database_kind, "cases": counts,
                              "chat": {"sockets": sockets, "listeners": listeners}})


_PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


async def security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    # On response prepare, not in a middleware: a file's type is only known once it is being sent.
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.content_type == "text/html":
        response.headers.setdefault("Content-Security-Policy", _PAGE_POLICY)
        response.headers.setdefault("Referrer-Policy", "no-referrer")


_STATIC_FILE = re.compile(r"\.(js|css|svg|png|ico|woff2?|map)$")


class AccessLogger(AbstractAccessLogger):
    """Method, path, status and time; never the query string, where the desk's sign-in link carries its token."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if response.status < 400 and request.method in ("GET", "HEAD") and _STATIC_FILE.search(request.path):
            return   # every page view fetches scripts, styles and icons: a line each buries what matters
        self.logger.info("%s %s %s %d %.1fms", request.remote, request.method, request.path, response.status,
                         time * 1000)


def service_blobs(settings: Settings) -> str:
    s3 = settings.attachments.s3
    if s3 is None:
        return f"files in {settings.data_dir}/attachments (set LLAMITA_S3_BUCKET for an S3-compatible store)"
    return f"S3 bucket {s3.bucket}" + (f" at {s3.endpoint_url}" if s3.endpoint_url else "")


def startup_report(settings: Settings) -> str:
    """What `llamita serve` prints: what is on, what is off and how to turn it on, and where to go."""
    base = settings.base_url
    lines = [
        f"Llamita for {settings.operator.company} is starting.",
        f"  Database:   {settings.database_kind}"
        + ("" if settings.database_kind == "PostgreSQL" else f" ({settings.database_url.split('///')[-1]}); "
           "set DATABASE_URL=postgresql://... for production"),
        f"  Brain:      {brain_description(settings.llm)}",
        f"  Translation: {translation_description(settings.translation)}",
        f"  Web chat:   {base}/   (embed with <script src=\"{base}/widget.js\"></script>)",
    ]
    if settings.staff_token_generated:
        # Printed only when Llamita made it up: an operator's own token never lands in a log.
        lines.append(f"  Staff desk: {base}/desk?token={settings.staff_token}")
        lines.append(f"              (token generated and kept in {settings.data_dir}/staff-token; "
                     "set LLAMITA_STAFF_TOKEN to choose your own)")
    elif settings.staff_token_chosen:
        lines.append(f"  Staff desk: {base}/desk   (sign in with LLAMITA_STAFF_TOKEN)")
    else:
        lines.append(f"  Staff desk: {base}/desk   (sign in with the token kept in {settings.data_dir}/staff-token)")
    if settings.slack:
        mode = "Socket Mode" if settings.slack.socket_mode else f"HTTP mode, events at {base}/slack/events"
        lines.append(f"  Slack:      on ({mode})")
    if settings.teams:
        where = f"messages at {base}/api/messages"
        lines.append(f"  Teams:      on ({where})" if not settings.teams.emulator else
                     f"  Teams:      local emulator mode ({where}; no authentication, loopback only)")
    lines.append(f"  Attachments: {service_blobs(settings)}, up to "
                 f"{round(settings.attachments.max_bytes / (1024 * 1024), 1):g} MB each")
    lines.append(f"  Scheduler:  every {settings.scheduler_seconds} s (reminders, escalations, abandonment; "
                 "LLAMITA_SCHEDULER_SECONDS)" if settings.scheduler_seconds else
                 "  Scheduler:  off on this worker (LLAMITA_SCHEDULER_SECONDS=0); another worker must run it")
    fan_out = f"Redis at {settings.redis_url}" if settings.redis_url else "in-process (one worker)"
    lines.append(f"  Fan-out:    {fan_out}")
    for missing in settings.missing:
        lines.append(f"  {missing}")
    if settings.demo_sign_in:
        lines.append("  Demo sign-in: on (the demo page can chat as a demo customer; "
                     "LLAMITA_DEMO_SIGN_IN=0 turns it off)")
    if settings.host not in LOOPBACK_HOSTS:
        lines.append(f"  Note: listening on {settings.host}; the desk is reachable from other machines.")
        if not settings.chat_limits.trust_forwarded_for:
            lines.append("  Note: behind a proxy or load balancer? Set LLAMITA_TRUST_FORWARDED_FOR=1, or every "
                         "customer counts as the proxy's address in the chat's per-address limits.")
    return "\n".join(lines)
