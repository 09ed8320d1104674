"""The Teams app package: manifest.json with the bot's app id filled in, and the two icons, zipped.

`make teams-package` (or `python -m adapters.teams.package`) writes var/llamita-teams.zip; upload it
in Teams (Apps -> Manage your apps -> Upload an app) or the Teams admin center. The app id is the Azure
Bot's Microsoft App ID, read from the same variable Llamita reads it from.
"""
from __future__ import annotations

import json
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Mapping

from routing.config import TEAMS_ENV_PREFIX

HERE = Path(__file__).parent
ICONS = ("color.png", "outline.png")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def manifest(app_id: str, public_url: str) -> dict:
    """manifest.json for this deployment (ValueError if the app id is not the GUID Azure shows)."""
    if not _GUID.match(app_id):
        raise ValueError(f"the app id must be the Azure Bot's Microsoft App ID (a GUID), not {app_id!r}")
    text = (HERE / "manifest.json").read_text(encoding="utf-8")
    text = text.replace("{{APP_ID}}", app_id).replace("{{PUBLIC_URL}}", public_url.rstrip("/"))
    return json.loads(text)


def build(destination: Path, app_id: str, public_url: str) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest(app_id, public_url), indent=2))
        for icon in ICONS:
            package.write(HERE / icon, icon)
    return destination


def main(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    app_id = env.get(TEAMS_ENV_PREFIX + "CLIENTID", "").strip()
    if not app_id:
        print(f"Set {TEAMS_ENV_PREFIX}CLIENTID to the Azure Bot's Microsoft App ID first "
              "(README, 'Connect Teams').", file=sys.stderr)
        return 2
    public_url = env.get("LLAMITA_PUBLIC_URL") or "https://llamita.example.com"
    try:
        path = build(Path(env.get("LLAMITA_DATA_DIR", "var")) / "llamita-teams.zip", app_id, public_url)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"Wrote {path}: upload it in Teams (Apps -> Manage your apps -> Upload an app).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
