"""What Llamita does with each activity Teams sends (an Agents SDK ActivityHandler, botbuilder's model).

* A message in a case card's reply chain goes through RoutingService.staff_message, stored before
  Teams gets its answer (a failure is a 500, and the activity id is the message's external id, so a
  redelivery is stored once): to the customer when its author holds the case, else an internal note.
  The bot's own messages are ignored; an @mention of the bot is removed first.
* `help`, `queue`, `resolve [case]` (to the bot: @mentioned in a channel, or in a personal chat) are
  answered after the 200, as a targeted message only the asker sees.
* Edits and deletions are not relayed, as in Slack; the author is told.
* Card buttons (Action.Execute) arrive as `adaptiveCard/action` invokes and are answered with the
  card's new state, or with a message for the clicker ("already claimed by Ana"). A card Llamita
  never recorded is either the landed copy of a post whose answer was lost (it becomes the case's
  card) or a second copy (it is turned into a "duplicate" card without actions).
"""
from __future__ import annotations

import logging
from http import HTTPStatus

from microsoft_agents.activity import (
    Activity,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    ChannelAccount,
)
from microsoft_agents.hosting.core import ActivityHandler, TurnContext

from adapters.labels import reason_label
from adapters.teams import cards
from adapters.teams.channel import TeamsChannel, split_thread, thread_id
from adapters.teams.stats import note_answer, stats_answer
from adapters.teams.text import literal, teams_to_plain
from routing.cases import MAX_CASE_ID
from routing.lifecycle import IllegalMove
from routing.service import CaseNotFound, text_refusal
from routing.views import CaseView, StaffMember, format_wait

log = logging.getLogger(__name__)

COMMANDS = ("help", "queue", "resolve", "note", "stats")
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
HELP = (
    "**Llamita** hands web-chat customers over to you here. Each hand-over is a card in its team's channel.\n\n"
    "- **Claim** takes the case; then everything you write under the card goes to the customer under your "
    "name. Colleagues' replies there stay internal notes unless they **Take over**.\n"
    "- **Transfer to…** sends it to another team; **Resolve…** closes it.\n\n"
    "Commands (mention @Llamita in a channel):\n\n"
    "- `queue`: open cases per team\n"
    "- `resolve [case id]`: resolve a case you hold (under its card, the id is not needed)\n"
    "- `note [case id] <text>`: a note for the people who train Llamita (under its card, no id needed)\n"
    "- `stats [today|7d|30d] [team]`: how Llamita and the teams are doing (supervisors)\n"
    "- `help`: this help"
)


def staff_of(account: ChannelAccount) -> StaffMember:
    """A Teams user as routing knows them: their Entra object id (the same in every team), and the name
    the customer sees."""
    name = " ".join((account.name or "").split())[:80] or "Support"
    return StaffMember(f"teams:{account.aad_object_id or account.id}", name, "teams")


def _message(text: str) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse(status_code=HTTPStatus.OK, type=MESSAGE_TYPE, value=text)


def _card(card: dict) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse(status_code=HTTPStatus.OK, type=cards.CARD_CONTENT_TYPE, value=card)


QUEUE_LISTED = 10   # cases per team that `queue` lists


class TeamsBot(ActivityHandler):
    def __init__(self, channel: TeamsChannel):
        self.channel = channel
        self.service = channel.service
        self._told: set[tuple[str, int, str]] = set()   # (user, case, what) explained once per process

    def _is_ours(self, activity: Activity) -> bool:
        sender = activity.from_property
        if sender is None or not sender.id:
            return True
        recipient = activity.recipient.id if activity.recipient is not None else None
        return sender.id in (self.channel.bot_id, recipient) or (sender.role or "").lower() == "bot"

    async def _case_of_thread(self, conversation_id: str) -> int | None:
        if split_thread(conversation_id)[1] is None:
            return None
        return await self.service.case_for_thread(self.channel.name, conversation_id)

    # ---------------------------------------------------------------- messages

    async def on_message_activity(self, context: TurnContext) -> None:
        activity = context.activity
        if self._is_ours(activity):
            return
        mentioned = activity.is_recipient_mentioned()
        text = teams_to_plain(activity.remove_recipient_mention())
        conversation = activity.conversation.id
        case_id = await self._case_of_thread(conversation)
        words = text.split()
        command = words[0].lower() if words else ""
        if case_id is not None and not (mentioned and command in COMMANDS):
            await self._relay(activity, case_id, text)
            return
        if mentioned or activity.conversation.conversation_type == "personal":
            self.channel.spawn(self._command(activity, command, words[1:], case_id))

    async def _relay(self, activity: Activity, case_id: int, text: str) -> None:
        """Runs before Teams gets its answer: returns once the message is stored (or refused)."""
        author, conversation = activity.from_property, activity.conversation.id
        files = [a for a in activity.attachments or [] if a.content_type != "text/html"]
        refusal = text_refusal(text)
        if refusal == "empty":
            if files:
                self.channel.spawn(self.channel.tell(conversation, author, "Files aren't sent to the customer; only "
                                                     "text is. Describe what they need to know in words."))
            return
        if refusal:
            why = {"too_long": "is longer than 4000 characters, so it was not sent. Please split it.",
                   "bad_text": "contains characters that cannot be stored, so it was not sent."}[refusal]
            self.channel.spawn(self.channel.tell(conversation, author, f"That message {why}"))
            return
        try:
            case = await self.service.case(case_id, recent=0)
        except CaseNotFound:
            return
        staff = staff_of(author)
        if case.claimed_by == staff.id and case.claimed_by_name:
            staff = StaffMember(staff.id, case.claimed_by_name, staff.channel)
        outcome = await self.service.staff_message(case_id, staff, text, external_id=f"teams:{activity.id}")
        if outcome.duplicate:
            return
        if files:
            self.channel.spawn(self.channel.tell(conversation, author, "The text went to the customer; files "
                                                 "aren't sent."))
        if not outcome.to_customer:
            self.channel.spawn(self._explain_note(case, conversation, author))

    async def _explain_note(self, case: CaseView, conversation: str, author: ChannelAccount) -> None:
        key = (author.id, case.id, "note")
        if key in self._told:
            return
        self._told.add(key)
        if case.state == "claimed":
            why = (f"{literal(case.claimed_by_name or 'A colleague')} has this case, so your message is kept as an "
                   "internal note; the customer does not see it. Use **Take over…** on the card to talk to the "
                   "customer yourself.")
        elif case.state == "waiting":
            why = ("Nobody has claimed this case yet, so your message is kept as an internal note. **Claim** it on "
                   "the card to talk to the customer.")
        else:
            why = f"This case is {case.state}; your message is kept as an internal note."
        await self.channel.tell(conversation, author, why)

    async def on_message_update_activity(self, context: TurnContext) -> None:
        await self._edited(context.activity, "edit")

    async def on_message_delete_activity(self, context: TurnContext) -> None:
        await self._edited(context.activity, "deletion")

    async def _edited(self, activity: Activity, what: str) -> None:
        """Edits and deletions are not relayed: the customer already has the message as first sent."""
        if self._is_ours(activity) or await self._case_of_thread(activity.conversation.id) is None:
            return
        self.channel.spawn(self.channel.tell(
            activity.conversation.id, activity.from_property,
            f"Your {what} stays in Teams only: Llamita does not relay edits or deletions. The customer (or the "
            "case notes, for an internal note) keeps the message as first sent. To correct it, write a new "
            "message under the card."))

    # ---------------------------------------------------------------- commands

    async def _command(self, activity: Activity, command: str, arguments: list[str], here: int | None) -> None:
        if command == "queue":
            answer = await self._queue()
        elif command == "resolve":
            answer = await self._resolve_command(activity.from_property, arguments, here)
        elif command == "stats":
            answer = await stats_answer(self.service, activity.from_property, arguments)
        elif command == "note":
            answer = await note_answer(self.service, staff_of(activity.from_property), arguments, here)
        elif command in ("help", ""):
            answer = HELP
        else:
            answer = f"I don't know `{literal(command[:40])}`.\n\n{HELP}"
        await self.channel.tell(activity.conversation.id, activity.from_property, answer)

    async def _queue(self) -> str:
        lines = []
        for team in self.service.operator.teams:
            # The longest-waiting few of each team, and how many in all: a queue of hundreds stays readable.
            page = await self.service.open_case_page(team.id, limit=QUEUE_LISTED, recent=0)
            lines.append(f"**{literal(team.name)}**: " + (f"{page.total} open" if page.total else "nothing open"))
            for case in page.cases:
                state = (f"claimed by {literal(case.claimed_by_name or 'someone')}" if case.state == "claimed"
                         else f"waiting {format_wait(case.waited_seconds)}")
                lines.append(f"- #{case.id} {reason_label(case)}: {state}")
            if page.total > len(page.cases):
                lines.append(f"- … and {page.total - len(page.cases)} more")
        return "\n\n".join(lines) or "No teams."

    async def _resolve_command(self, user: ChannelAccount, arguments: list[str], here: int | None) -> str:
        staff = staff_of(user)
        number = arguments[0].lstrip("#") if arguments else None
        if number is not None:
            if not number.isdigit() or not 0 < int(number) <= MAX_CASE_ID:
                return f"There is no case {literal(number[:20])}."
            case_id = int(number)
        elif here is not None:
            case_id = here
        else:
            held = [case for case in await self.service.open_cases() if case.claimed_by == staff.id]
            if len(held) != 1:
                listing = ", ".join(f"#{case.id}" for case in held)
                return (f"You hold {len(held)} cases ({listing}); say which: `resolve <case id>`." if held else
                        "You hold no case. Say which one: `resolve <case id>` (the id is on the card).")
            case_id = held[0].id
        try:
            case = await self.service.case(case_id, recent=0)
        except CaseNotFound:
            return f"There is no case {case_id}."
        return await self._resolve(case, user) or f"Resolved case #{case.id}."

    # ---------------------------------------------------------------- card actions

    async def on_adaptive_card_invoke(self, context: TurnContext,
                                      invoke_value: AdaptiveCardInvokeValue) -> AdaptiveCardInvokeResponse:
        activity, action = context.activity, invoke_value.action
        case_id = cards.case_id_of(action.data)
        if case_id is None:
            return _message("That card does not belong to a case.")
        try:
            case = await self.service.case(case_id)
        except CaseNotFound:
            return _message("That case no longer exists.")
        where = thread_id(activity.conversation.id, activity.reply_to_id or "")
        channel_id = split_thread(where)[0]
        if not await self._is_the_cards_home(case, channel_id, where):
            return _card(cards.duplicate_card(case))
        if action.verb in (cards.CLAIM, cards.TAKE_OVER):
            answer = await self._claim(case, activity.from_property, take_over=action.verb == cards.TAKE_OVER)
        elif action.verb == cards.RESOLVE:
            answer = await self._resolve(case, activity.from_property)
        elif action.verb == cards.TRANSFER:
            answer = await self._transfer(case, activity.from_property, action.data.get("team"))
        elif action.verb == cards.REFRESH:
            answer = None
        else:
            return _message("Llamita does not know that action.")
        if answer:
            return _message(answer)
        return _card(self.channel.render(await self.service.case(case_id), channel_id))

    async def _is_the_cards_home(self, case: CaseView, channel_id: str, where: str) -> bool:
        """False for a stray copy of the case's card. A card we never recorded, in the channel where the
        case's card post is still pending after an attempt, is that post's card: it is recorded now."""
        threads = await self.service.staff_threads(case.id, self.channel.name)
        if any(card_ref == where for _, card_ref in threads):
            return True
        if any(target == channel_id for target, _ in threads):
            return False
        await self.service.settle_card_post(case.id, self.channel.name, channel_id, where)
        return True

    async def _allowed(self, case: CaseView, user: ChannelAccount) -> str | None:
        """None when `user` is in the case's team channel; else why not, for them."""
        target = self.channel.current_target(case)
        if not target:
            return f"{literal(case.team_name or 'That team')} has no Teams channel; act on the case from the desk."
        try:
            members = await self.channel.members(target)
        except Exception as error:
            log.warning("could not read the members of %s: %s", target, error)
            return "I couldn't check the channel's members with Teams just now; please try again in a moment."
        if user.id in members or (user.aad_object_id and user.aad_object_id in members):
            return None
        return f"Only members of {literal(case.team_name or 'the team')}'s channel can act on its cases."

    async def _claim(self, case: CaseView, user: ChannelAccount, *, take_over: bool) -> str | None:
        if refusal := await self._allowed(case, user):
            return refusal
        staff = staff_of(user)
        outcome = await self.service.claim(case.id, staff, take_over=take_over)
        if outcome.won:
            return None
        now = outcome.case
        if now.state == "claimed" and now.claimed_by == staff.id:
            return f"You already have case #{case.id}."
        if now.state == "claimed":
            more = "" if take_over else " Use Take over if you need to continue it yourself."
            return f"Case #{case.id} is already claimed by {literal(now.claimed_by_name or 'a colleague')}.{more}"
        return f"Case #{case.id} is {now.state}; it can't be claimed now."

    async def _resolve(self, case: CaseView, user: ChannelAccount) -> str | None:
        staff = staff_of(user)
        if case.state == "claimed" and case.claimed_by != staff.id:
            return (f"{literal(case.claimed_by_name or 'A colleague')} has case #{case.id}; only they can resolve "
                    "it. Use Take over first if you need to.")
        if refusal := await self._allowed(case, user):
            return refusal
        if case.claimed_by == staff.id and case.claimed_by_name:
            staff = StaffMember(staff.id, case.claimed_by_name, staff.channel)
        try:
            await self.service.resolve(case.id, staff)
        except IllegalMove:
            return f"Case #{case.id} is already {case.state}."
        return None

    async def _transfer(self, case: CaseView, user: ChannelAccount, team_id: object) -> str | None:
        if refusal := await self._allowed(case, user):
            return refusal
        staff = staff_of(user)
        if case.claimed_by == staff.id and case.claimed_by_name:
            staff = StaffMember(staff.id, case.claimed_by_name, staff.channel)
        try:
            await self.service.transfer(case.id, str(team_id or ""), staff)
        except (IllegalMove, ValueError) as refused:
            return f"Case #{case.id} was not transferred: {literal(str(refused))}."
        return None
