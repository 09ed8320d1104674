"""The demo account store (accounts and bookings Llamita can look up and act on), seeded once."""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from routing.models import DemoAccount, DemoBooking
from routing.store import Store

DEMO_STORE = Path(__file__).parent / "demo" / "store.yml"


def demo_accounts(path: Path = DEMO_STORE) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["accounts"]


async def seed_demo_store(store: Store, path: Path = DEMO_STORE) -> int:
    """Insert the demo accounts that are not there yet; returns how many were added."""
    accounts = demo_accounts(path)
    try:
        return await store.write(_seed, accounts)
    except IntegrityError:
        # Another worker seeded the same accounts at the same moment: theirs are as good as ours.
        return 0


def _seed(session: Session, accounts: list[dict]) -> int:
    existing = set(session.exec(select(DemoAccount.id)).all())
    added = 0
    for account in accounts:
        if account["id"] in existing:
            continue
        session.add(DemoAccount(id=account["id"], customer_external_id=account["customer"], name=account["name"],
                                email=account.get("email"), tier=account.get("tier", "standard")))
        session.flush()   # the account before its bookings (they refer to it)
        for booking in account.get("bookings", []):
            session.add(DemoBooking(account_id=account["id"], **booking))
        added += 1
    return added
