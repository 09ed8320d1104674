"""The demo account store (accounts and bookings Llamita can look up and act on), seeded once."""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from routing.models import DemoAccount, DemoBooking
from routing.store import Store

DEMO_STORE = Path(__file__).parent / "demo" / "store.yml"


def demo_accounts(path: Path = DEMO_STORE) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["accounts"]


async def seed_demo_store(store: Store, path: Path = DEMO_STORE) -> int:
    """Insert the demo accounts that are not there yet; returns how many were added."""
    added = 0
    async with store.session() as session:
        existing = set((await session.exec(select(DemoAccount.id))).all())
        for account in demo_accounts(path):
            if account["id"] in existing:
                continue
            session.add(DemoAccount(id=account["id"], customer_external_id=account["customer"],
                                    name=account["name"], email=account.get("email"),
                                    tier=account.get("tier", "standard")))
            for booking in account.get("bookings", []):
                session.add(DemoBooking(account_id=account["id"], **booking))
            added += 1
        try:
            await session.commit()
        except IntegrityError:
            # Another worker seeded the same accounts at the same moment: theirs are as good as ours.
            await session.rollback()
            return 0
    return added
