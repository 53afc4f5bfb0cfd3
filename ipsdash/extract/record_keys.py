"""Record keys: a whole number 0-255 per course, the first byte of HMAC-SHA256(installation secret,
participant_id) (data-contract.md, "Small numbers and consistent noise"). The secret is configured
here; the keys are made in SQL (queries/base/05_record_keys.sql) with the padded keys `hmac_pads`
gives; ipsdash/figures/privacy.py turns their sums into noise."""

from __future__ import annotations

import hashlib
import os
import tomllib
from pathlib import Path

# --- Record keys -------------------------------------------------------------------------------

SECRET_VARIABLE = "IPS_RECORD_KEY_SECRET"
SECRETS_FILE = Path(".streamlit") / "secrets.toml"
SECRETS_KEY = "record_key_secret"
# The demo extract's secret is public: its record keys (and so its noise) protect nobody.
DEMO_SECRET = "ipsdash-demo-record-keys"


class MissingSecretError(Exception):
    """Real data and no record-key secret configured: no count can be published."""

    def __init__(self, location: str):
        self.location = location
        super().__init__(
            f"Udtrækket i {location} er ikke demo-udtrækket, og der er ingen hemmelig nøgle til støjen på "
            f"antallene. Sæt miljøvariablen {SECRET_VARIABLE} (eller `{SECRETS_KEY} = \"...\"` i "
            f"{SECRETS_FILE}) til en lang tilfældig tekst, fx fra `python -c \"import secrets; "
            f"print(secrets.token_hex(32))\"`, og hold den hemmelig (README, \"Små tal\")."
        )


def configured_secret() -> str | None:
    """The installation's record-key secret: `IPS_RECORD_KEY_SECRET`, else .streamlit/secrets.toml."""
    value = os.environ.get(SECRET_VARIABLE, "").strip()
    if value:
        return value
    try:
        with SECRETS_FILE.open("rb") as f:
            value = str(tomllib.load(f).get(SECRETS_KEY, "")).strip()
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return value or None


def record_key_secret(location: str, demo: bool) -> str:
    """The secret the record keys of the extract at `location` are made with.

    The demo extract uses the public demo secret (unless one is configured); real data without a
    configured secret is refused (`MissingSecretError`)."""
    secret = configured_secret()
    if secret:
        return secret
    if demo:
        return DEMO_SECRET
    raise MissingSecretError(location)


def hmac_pads(secret: str) -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer padded keys (RFC 2104) of `secret`: the SQL of
    queries/base/05_record_keys.sql hashes with them, so record_key = first byte of
    HMAC-SHA256(secret, participant_id)."""
    key = secret.encode()
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def secret_fingerprint(secret: str) -> str:
    """A short one-way name of the secret (prepared copies hold record keys: a new secret, new copies)."""
    return hashlib.sha256(b"ipsdash record keys\0" + secret.encode()).hexdigest()[:12]


