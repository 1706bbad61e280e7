"""The definitions the product ships (portal/forms/seed/<code>.json): version 1 of each service,
published, never changed (PUBLISHED records each one's digest; a test compares)."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
SHIPPED_VERSION = 1


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def shipped() -> dict[str, dict]:
    """Every shipped definition by service code (read once; treat as read-only)."""
    found = {}
    for path in sorted(SEED_DIR.glob("*.json")):
        with path.open(encoding="utf-8") as fh:
            definition = json.load(fh)
        if definition.get("code") != path.stem:
            raise ValueError(f"{path.name}: its code is {definition.get('code')!r}")
        found[path.stem] = definition
    return found


def recorded_digests() -> dict[str, str]:
    """code → SHA-256 of the shipped file as published."""
    lines = (SEED_DIR / "PUBLISHED").read_text(encoding="utf-8").splitlines()
    return dict(line.split()[::-1] for line in lines if line.strip() and not line.startswith("#"))
