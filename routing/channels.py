"""The seams to the outside: what a staff channel must do, and what a delivery carries.

A staff channel (the local desk, Slack, Teams) is one module in adapters/ implementing
StaffChannel. Routing never calls a platform directly: it queues StaffPosts in the outbox, and the
outbox hands each one to the channel as a Delivery, retrying until the platform has it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from routing.config import TeamConfig
from routing.views import CaseView, MessageView


@dataclass(frozen=True)
class Delivery:
    post_id: int
    kind: str                     # "card": post the case card; "card_update": show its new state;
                                  # "message": relay a customer message (or status line) into the thread
    case: CaseView
    target: str                   # platform channel id
    card_ref: str | None          # the case's card on this channel, once posted
    message: MessageView | None = None
    # 1 for a first try. More: an earlier attempt's outcome is unknown (it timed out, failed in a way that
    # does not say whether the platform took it, or its worker died), so it may be there already. A
    # channel that marks what it posts must look for that copy before posting again, and return its
    # reference: every post has its effect once.
    attempt: int = 1
    queued_at: datetime | None = None   # when routing queued it: where to start looking for an earlier copy


class RetryLater(Exception):
    """The platform asked us to slow down (HTTP 429); try again after `seconds`."""

    def __init__(self, seconds: float, why: str = "rate limited"):
        super().__init__(f"{why}; retry in {seconds:.1f}s")
        self.seconds = seconds


class PermanentFailure(Exception):
    """The platform refused for good (channel not found, bot not in channel): retrying will not help."""


class StaffChannel(Protocol):
    name: str
    # Seconds between two posts to one platform channel (the outbox paces, by starting the next later;
    # deliver() never sleeps for it). Slack: about one a second per channel.
    pace_seconds: float

    def target_for(self, team: TeamConfig) -> str | None:
        """The channel id where this team's cases go on this platform, or None when it has none."""

    async def deliver(self, delivery: Delivery) -> str | None:
        """Show the delivery; for a "card", return the platform's reference to the posted card."""
