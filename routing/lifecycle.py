"""The states of a case and the only moves between them (pure; the service enforces them)."""
from __future__ import annotations

from enum import StrEnum

from routing.models import CaseState


class CaseMove(StrEnum):
    HAND_OVER = "hand_over"    # Llamita (or the customer) asks for a person
    CLAIM = "claim"            # a staff member takes it
    TRANSFER = "transfer"      # sent to another team: waits for a claim again
    RESOLVE = "resolve"        # a person closes it
    ABANDON = "abandon"        # nobody can continue it: customer left, or nobody claimed in time
    OFFER_BACK = "offer_back"  # the claimer went silent: back to the team's queue (the scheduler)
    REOPEN = "reopen"          # the customer who left came back: waits for the same team again


class IllegalMove(ValueError):
    def __init__(self, state: str, move: CaseMove):
        super().__init__(f"a case that is {state} cannot {move.value.replace('_', ' ')}")
        self.state, self.move = state, move


_MOVES: dict[tuple[CaseState, CaseMove], CaseState] = {
    (CaseState.BOT, CaseMove.HAND_OVER): CaseState.WAITING,
    (CaseState.BOT, CaseMove.RESOLVE): CaseState.RESOLVED,
    (CaseState.BOT, CaseMove.ABANDON): CaseState.ABANDONED,
    (CaseState.WAITING, CaseMove.CLAIM): CaseState.CLAIMED,
    (CaseState.WAITING, CaseMove.TRANSFER): CaseState.WAITING,
    (CaseState.WAITING, CaseMove.RESOLVE): CaseState.RESOLVED,
    (CaseState.WAITING, CaseMove.ABANDON): CaseState.ABANDONED,
    (CaseState.CLAIMED, CaseMove.CLAIM): CaseState.CLAIMED,      # taking over from a colleague
    (CaseState.CLAIMED, CaseMove.TRANSFER): CaseState.WAITING,
    (CaseState.CLAIMED, CaseMove.RESOLVE): CaseState.RESOLVED,
    (CaseState.CLAIMED, CaseMove.ABANDON): CaseState.ABANDONED,
    (CaseState.CLAIMED, CaseMove.OFFER_BACK): CaseState.WAITING,
    (CaseState.ABANDONED, CaseMove.REOPEN): CaseState.WAITING,   # the only way out of a closed case
}

OPEN_STATES = (CaseState.BOT, CaseState.WAITING, CaseState.CLAIMED)
WITH_PEOPLE = (CaseState.WAITING, CaseState.CLAIMED)


def next_state(state: str, move: CaseMove) -> CaseState:
    try:
        return _MOVES[(CaseState(state), move)]
    except KeyError:
        raise IllegalMove(state, move) from None


def is_open(state: str) -> bool:
    return CaseState(state) in OPEN_STATES
