"""Who is who on Slack: display names and channel members, looked up through the Web API and cached.

A name is what the customer sees for a colleague; membership of a team's channel is who may act on its
cases. Both are cached (names for an hour, members for a minute): a busy thread does not cost a Slack
call per message, and a person added to a channel can act within a minute.
"""
from __future__ import annotations

import asyncio
import logging
import re
import time

from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

NAME_TTL = 3600.0
MEMBERS_TTL = 60.0


class SlackPeople:
    def __init__(self, client: AsyncWebClient, tasks: set[asyncio.Task]):
        self.client = client
        self._tasks = tasks   # the channel's background work: look-ups that outlive their budget are drained with it
        self._names: dict[str, tuple[float, str]] = {}
        self._members: dict[str, tuple[float, frozenset[str]]] = {}

    async def channel_members(self, channel: str) -> frozenset[str]:
        cached = self._members.get(channel)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        members: set[str] = set()
        cursor = None
        while True:
            response = await self.client.conversations_members(channel=channel, limit=1000, cursor=cursor)
            members.update(response.get("members") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        result = frozenset(members)
        self._members[channel] = (time.monotonic() + MEMBERS_TTL, result)
        return result

    async def names_within(self, users: set[str], budget: float) -> dict[str, str]:
        """Display names of `users`, looked up at once; those Slack has not told within `budget` seconds are
        left out (their look-ups go on, to fill the cache for next time)."""
        lookups = {user: asyncio.ensure_future(self.display_name(user, fallback="")) for user in users}
        done, pending = await asyncio.wait(lookups.values(), timeout=budget) if lookups else (set(), set())
        for task in pending:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return {user: task.result() for user, task in lookups.items() if task in done and task.result()}

    async def display_name(self, user: str, timeout: float | None = None, fallback: str = "Support") -> str:
        """The name the customer sees for a Slack user (display name, else real name); cached. If Slack
        can't say, `fallback` (a click carries the user's handle)."""
        cached = self._names.get(user)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            response = await asyncio.wait_for(self.client.users_info(user=user), timeout)
            person = response.get("user") or {}
            profile = person.get("profile") or {}
            name = (profile.get("display_name") or profile.get("real_name") or person.get("real_name")
                    or person.get("name") or "").strip()
        except Exception as error:
            log.warning("could not look up Slack user %s: %s", user, error)
            return cached[1] if cached else fallback
        name = re.sub(r"\s+", " ", name)[:80]
        if not name:
            return fallback   # Slack knows no name: not remembered as one (a mention then reads "a colleague")
        self._names[user] = (time.monotonic() + NAME_TTL, name)
        return name
