"""The case card's buttons in Slack: Claim, Take over, Resolve, Transfer and Unfreeze account.

Each click is acknowledged at once and handled in the channel's background tasks. Answers to the person
who clicked go through the click's response_url: Slack refuses chat.postEphemeral to someone outside the
channel, and a refused outsider must still hear why. Only members of the case's team channel act on it.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from adapters.slack import blocks
from adapters.slack.blocks import CLAIM, RESOLVE, TAKE_OVER, TRANSFER, UNFREEZE, staff_mention
from adapters.slack.text import mrkdwn_literal
from routing.lifecycle import IllegalMove
from routing.service import CaseNotFound
from routing.views import CaseView, StaffMember

if TYPE_CHECKING:
    from adapters.slack.channel import SlackChannel, Tell

log = logging.getLogger(__name__)


class SlackButtons:
    def __init__(self, channel: SlackChannel):
        self.channel = channel
        self.service = channel.service

    def register(self, app) -> None:
        app.action(CLAIM)(self._on_claim)
        app.action(TAKE_OVER)(self._on_take_over)
        app.action(RESOLVE)(self._on_resolve)
        app.action(TRANSFER)(self._on_transfer)
        app.action(UNFREEZE)(self._on_unfreeze)

    async def _on_claim(self, ack, body: dict, action: dict, respond) -> None:
        await ack()
        self.channel.spawn(self._claim(body, action, self._teller(respond, body), take_over=False))

    async def _on_take_over(self, ack, body: dict, action: dict, respond) -> None:
        await ack()
        self.channel.spawn(self._claim(body, action, self._teller(respond, body), take_over=True))

    async def _on_resolve(self, ack, body: dict, action: dict, respond) -> None:
        await ack()
        self.channel.spawn(self._resolve_click(body, action, self._teller(respond, body)))

    async def _on_transfer(self, ack, body: dict, action: dict, respond) -> None:
        await ack()
        self.channel.spawn(self._transfer(body, action, self._teller(respond, body)))

    async def _on_unfreeze(self, ack, body: dict, action: dict, respond) -> None:
        await ack()
        self.channel.spawn(self._unfreeze(body, action, self._teller(respond, body)))

    @staticmethod
    def _where(body: dict) -> tuple[str, str | None]:
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        return body["user"]["id"], channel

    def _teller(self, respond, body: dict) -> Tell:
        user, channel = self._where(body)

        async def tell(text: str) -> None:
            try:
                await respond(text=text, response_type="ephemeral", replace_original=False)
            except Exception as error:   # no response_url (or it expired): the ephemeral note, best effort
                log.warning("could not answer a click through its response_url: %s", type(error).__name__)
                await self.channel.ephemeral(channel, user, text)

        return tell

    async def _case_from(self, value: str | None, tell: Tell) -> CaseView | None:
        try:
            return await self.service.case(int(value or ""), recent=0)
        except (ValueError, CaseNotFound):
            await tell("That case no longer exists.")
            return None

    async def _claim(self, body: dict, action: dict, tell: Tell, *, take_over: bool) -> None:
        user, _channel = self._where(body)
        case = await self._case_from(action.get("value"), tell)
        if case is None or not await self.channel.allowed(case, user, "claim", tell):
            return
        handle = (body.get("user") or {}).get("name") or "Support"
        name = await self.channel.people.display_name(user, fallback=handle)
        staff = StaffMember(f"slack:{user}", name, self.channel.name)
        outcome = await self.service.claim(case.id, staff, take_over=take_over)
        if outcome.won:
            await tell(f"Case #{case.id} is yours. Reply in the card's thread: your messages go to the customer "
                       "under your display name.")
            return
        now = outcome.case
        if now.state == "claimed" and now.claimed_by == staff.id:
            text = f"You already have case #{case.id}."
        elif now.state == "claimed":
            text = f"Case #{case.id} is already claimed by {staff_mention(now.claimed_by, now.claimed_by_name)}."
            if not take_over:
                text += " Use *Take over* if you need to continue it yourself."
        else:
            text = f"Case #{case.id} is {now.state}; it can't be claimed now."
        await tell(text)

    async def _resolve_click(self, body: dict, action: dict, tell: Tell) -> None:
        user, _channel = self._where(body)
        case = await self._case_from(action.get("value"), tell)
        if case is not None:
            answer = await self.channel.resolve_case(case, user)
            if answer:
                await tell(answer)

    async def _transfer(self, body: dict, action: dict, tell: Tell) -> None:
        user, _channel = self._where(body)
        case_id = blocks.case_id_of_block(action.get("block_id"))
        case = await self._case_from(str(case_id) if case_id else None, tell)
        if case is None or not await self.channel.allowed(case, user, "transfer", tell):
            return
        team_id = (action.get("selected_option") or {}).get("value", "")
        name = case.claimed_by_name if case.claimed_by == f"slack:{user}" and case.claimed_by_name else \
            await self.channel.people.display_name(user)
        try:
            moved = await self.service.transfer(case.id, team_id, StaffMember(f"slack:{user}", name, self.channel.name))
        except (IllegalMove, ValueError) as refused:
            await tell(f"Case #{case.id} was not transferred: {mrkdwn_literal(str(refused))}.")
            return
        await tell(f"Case #{case.id} went to {mrkdwn_literal(moved.team_name or team_id)}.")

    async def _unfreeze(self, body: dict, action: dict, tell: Tell) -> None:
        """Unfreeze the customer's account, for members of the case's team channel (like Claim)."""
        user, _channel = self._where(body)
        case = await self._case_from(action.get("value"), tell)
        if case is None or not await self.channel.allowed(case, user, "unfreeze accounts of", tell):
            return
        staff_id = f"slack:{user}"
        name = case.claimed_by_name if case.claimed_by == staff_id and case.claimed_by_name else \
            await self.channel.people.display_name(user)
        try:
            await self.service.unfreeze(case.id, StaffMember(staff_id, name, self.channel.name))
        except (IllegalMove, ValueError) as refused:
            await tell(f"The account of case #{case.id} was not unfrozen: {mrkdwn_literal(str(refused))}.")
            return
        await tell(f"The account of case #{case.id} is unfrozen; the customer has been told.")
