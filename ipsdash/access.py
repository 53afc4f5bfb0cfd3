"""Who sees what: the roles file, the scope a logged-in user gets, and the one figure outside it.

Three roles (issue 6):

- `regional`: every municipality and every grant;
- `municipality`: its own municipalities' figures in full; the others only as rates beside
  the region on the Kommuner page (`comparison_rates`);
- `funder`: only its own grants, by grant and by municipality.

A `Scope` is enforced in the data layer: `data.open_extract(location, scope)` makes every
contract table's view hold only the rows the scope may see, so every query, page, download
and report built on the extract is covered at once, and nothing a page does with its
widgets or the URL can widen it. The scope's `key` is part of every cache key (ipsdash/app/session.py).

This module is pure (no Streamlit); ipsdash/app/login.py reads `st.user` and calls `scope_for`.

Roles come from a small TOML file (`roles.toml`, or the path in `IPS_ROLES_FILE`; see
`roles.example.toml`) that maps email addresses and group or app-role claims of the ID token
to a role:

    group_claims = ["roles", "groups"]

    [[access]]
    role = "municipality"
    municipalities = [630]
    groups = ["IPS.Vejle"]
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ipsdash import texts
from ipsdash.extract.scope import FUNDER, MUNICIPALITY, REGION, REGIONAL, ROLES, Scope
from ipsdash.figures import kpis, outcomes

log = logging.getLogger(__name__)

DEFAULT_ROLES_FILE = Path(__file__).resolve().parent.parent / "roles.toml"




# --- The roles file ---------------------------------------------------------------------------


class RolesError(Exception):
    """The roles file is missing or malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Rule:
    """One `[[access]]` entry: whom it matches and the scope it gives."""

    scope: Scope
    emails: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    provider: str | None = None  # only logins through this [auth.<provider>] match


@dataclass(frozen=True)
class Roles:
    rules: tuple[Rule, ...] = ()
    group_claims: tuple[str, ...] = ("roles", "groups")
    email_claims: tuple[str, ...] = ("email",)
    # Providers ([auth.<name>], or "default" for [auth] itself) whose email claims are verified
    # though their tokens carry no email_verified claim.
    verified_email_providers: tuple[str, ...] = ()
    contact: str = ""
    path: str = ""


def roles_path() -> Path:
    """The roles file: `IPS_ROLES_FILE`, else `roles.toml` in the repository root."""
    return Path(os.environ.get("IPS_ROLES_FILE") or DEFAULT_ROLES_FILE)


def _texts(value, where: str, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RolesError(f"{where}: {what} must be a list of non-empty texts")
    return tuple(v.strip() for v in value)


ENTRY_KEYS = {"role", "emails", "groups", "municipalities", "grants", "provider", "name"}


def _rule(entry, where: str) -> Rule:
    if not isinstance(entry, dict):
        raise RolesError(f"{where}: must be a table")
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise RolesError(f"{where}: unknown keys {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(ENTRY_KEYS))})")
    role = entry.get("role")
    if role not in ROLES:
        raise RolesError(f"{where}: role must be one of {', '.join(ROLES)}, not {role!r}")
    municipalities = entry.get("municipalities")
    if municipalities is not None and (
        not isinstance(municipalities, list) or not all(isinstance(m, int) and not isinstance(m, bool) for m in municipalities)
    ):
        raise RolesError(f"{where}: municipalities must be a list of municipality codes (integers, e.g. [630])")
    grants = entry.get("grants")
    grants = None if grants is None else _texts(grants, where, "grants")
    try:
        scope = Scope(role, None if municipalities is None else tuple(municipalities), grants)
    except ValueError as exc:
        raise RolesError(f"{where}: {exc}") from None
    emails = frozenset(e.lower() for e in _texts(entry.get("emails", []), where, "emails"))
    groups = frozenset(_texts(entry.get("groups", []), where, "groups"))
    if not emails and not groups:
        raise RolesError(f"{where}: give emails or groups, or the entry matches no one")
    provider = entry.get("provider")
    if provider is not None and (not isinstance(provider, str) or not provider):
        raise RolesError(f"{where}: provider must be the name of an [auth.<provider>] section")
    return Rule(scope, emails, groups, provider)


def parse_roles(text: str, path: str = "roles.toml") -> Roles:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RolesError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(doc) - {"access", "group_claims", "email_claims", "verified_email_providers", "contact"}
    if unknown:
        raise RolesError(f"{path}: unknown keys {', '.join(sorted(unknown))}")
    entries = doc.get("access", [])
    if not isinstance(entries, list):
        raise RolesError(f"{path}: access must be an array of tables ([[access]])")
    rules = tuple(_rule(entry, f"{path}, [[access]] no. {i + 1}") for i, entry in enumerate(entries))
    contact = doc.get("contact", "")
    if not isinstance(contact, str):
        raise RolesError(f"{path}: contact must be a text")
    return Roles(
        rules=rules,
        group_claims=_texts(doc.get("group_claims", list(Roles.group_claims)), path, "group_claims"),
        email_claims=_texts(doc.get("email_claims", list(Roles.email_claims)), path, "email_claims"),
        verified_email_providers=_texts(doc.get("verified_email_providers", []), path, "verified_email_providers"),
        contact=contact,
        path=path,
    )


def load_roles(path: str | os.PathLike | None = None) -> Roles:
    """The roles file at `path` (default `roles_path()`); RolesError when missing or malformed."""
    path = Path(path) if path is not None else roles_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RolesError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return parse_roles(text, str(path))


# --- The login setup ---------------------------------------------------------------------------

# Streamlit signs its login cookie with [auth] cookie_secret: whoever knows the secret can write a
# cookie claiming any roles. So a secret that is public (the committed example's), short or made
# of one repeated character is refused at start, as is a client secret left as the example's text.
MIN_COOKIE_SECRET = 32
EXAMPLE_SECRETS = Path(__file__).resolve().parent.parent / ".streamlit" / "secrets.example.toml"
HOW_TO_MAKE_A_SECRET = 'python -c "import secrets; print(secrets.token_hex(32))"'


@functools.cache
def _example_texts() -> frozenset[str]:
    """The values the committed example gives cookie_secret and client_secret (public text)."""
    try:
        example = tomllib.loads(EXAMPLE_SECRETS.read_text(encoding="utf-8")).get("auth", {})
    except (OSError, tomllib.TOMLDecodeError):
        return frozenset()
    sections = [example, *(v for v in example.values() if isinstance(v, Mapping))]
    return frozenset(str(s[k]) for s in sections for k in ("cookie_secret", "client_secret") if k in s)


def login_setup_problems(auth: Mapping) -> list[str]:
    """Why the `[auth]` section of .streamlit/secrets.toml cannot be used; empty when it can."""
    examples = _example_texts()
    problems = []
    cookie = auth.get("cookie_secret")
    if not isinstance(cookie, str) or not cookie:
        problems.append("[auth] cookie_secret mangler.")
    elif cookie in examples:
        problems.append("[auth] cookie_secret er eksemplets tekst fra secrets.example.toml, som alle kan læse.")
    elif len(cookie) < MIN_COOKIE_SECRET:
        problems.append(f"[auth] cookie_secret er kortere end {MIN_COOKIE_SECRET} tegn.")
    elif len(set(cookie)) == 1:
        problems.append("[auth] cookie_secret består af ét tegn gentaget.")
    sections = {"[auth]": auth, **{f"[auth.{k}]": v for k, v in auth.items() if isinstance(v, Mapping)}}
    for name, section in sections.items():
        if section.get("client_secret") in examples:
            problems.append(f"{name} client_secret er eksemplets tekst fra secrets.example.toml.")
    return problems


# --- Who the user is ----------------------------------------------------------------------------


def _values(claim) -> Iterable[str]:
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, list | tuple):
        return [v for v in claim if isinstance(v, str)]
    return []


def user_emails(user: Mapping, roles: Roles) -> set[str]:
    """The user's email addresses, lower case; none unless they are verified.

    Verified: the ID token says `email_verified` is true (the boolean, or the text "true" some
    providers send), or the login came through a provider the roles file names in
    `verified_email_providers` (one that lets no user choose an unverified address). Missing,
    "no" or 0 is not verified: anyone may sign up with any address at some providers.
    """
    claim = user.get("email_verified")
    verified = claim is True or (isinstance(claim, str) and claim.strip().lower() == "true")
    if not verified and user.get("provider") not in roles.verified_email_providers:
        return set()
    return {v.strip().lower() for c in roles.email_claims for v in _values(user.get(c)) if v.strip()}


def user_groups(user: Mapping, roles: Roles) -> set[str]:
    return {v for c in roles.group_claims for v in _values(user.get(c))}


def matching_rules(user: Mapping, roles: Roles) -> list[Rule]:
    emails, groups = user_emails(user, roles), user_groups(user, roles)
    provider = user.get("provider")
    return [
        r
        for r in roles.rules
        if (r.provider is None or r.provider == provider) and (r.emails & emails or r.groups & groups)
    ]


def scope_for(user: Mapping, roles: Roles) -> Scope | None:
    """The scope of a logged-in user (the claims `st.user` holds), or None: no access.

    Entries of the same role add up (a user in the Vejle and the Odense group sees both);
    a regional entry wins over any other, as it sees all of it anyway. A municipality entry
    and a funder entry together cannot be one scope: that user gets no access until the
    roles file says which one is meant.
    """
    matched = matching_rules(user, roles)
    if not matched:
        return None
    kinds = {r.scope.role for r in matched}
    if REGIONAL in kinds:
        return REGION
    if kinds == {MUNICIPALITY}:
        return Scope(MUNICIPALITY, municipalities=tuple(m for r in matched for m in r.scope.municipalities))
    if kinds == {FUNDER}:
        return Scope(FUNDER, grants=tuple(g for r in matched for g in r.scope.grants))
    log.warning("a user matches both municipality and funder entries of %s; no access given", roles.path)
    return None


def display_name(user: Mapping) -> str:
    """How the user is named on the page: name, else email, else the subject."""
    for claim in ("name", "email", "preferred_username", "sub"):
        value = user.get(claim)
        if isinstance(value, str) and value:
            return value
    return ""


def describe(scope: Scope, municipality_names: Mapping[int, str], grant_titles: Mapping[str, str]) -> str:
    """The scope in Danish, e.g. 'Kommune: Vejle' or 'Bevillingsgiver: Udbredelse af IPS i …'."""
    if scope.role == REGIONAL:
        return "Region: alle kommuner og bevillinger"
    if scope.role == MUNICIPALITY:
        names = [municipality_names.get(m, str(m)) for m in scope.municipalities]
        return ("Kommune: " if len(names) == 1 else "Kommuner: ") + ", ".join(names)
    titles = [grant_titles.get(g, g) for g in scope.grants]
    return ("Bevilling: " if len(titles) == 1 else "Bevillinger: ") + ", ".join(titles)


# --- The one figure outside a municipality's scope ----------------------------------------------

# The KPIs' rates and their bounds only (the registry's kind): no person counts of other municipalities leave here.
COMPARISON_FIGURES = texts.of_kind(texts.RATE, kpis.FIGURES)


def comparison_rates(
    extract,
    start: dt.date,
    end: dt.date,
    filters: kpis.Filters = outcomes.EVERYONE,
    *,
    min_count: int,
) -> pd.DataFrame:
    """The region and every municipality side by side, as rates only, for the Kommuner page.

    Exactly the rates of `outcomes.municipality_table` (so they equal what a regional user sees),
    without any count. Rows: the region (municipality_code null) first, then each municipality, with
    `status` and `is_started`. Given the whole extract by `ui.comparison_rates`, this is the only way
    a municipality user sees figures of other municipalities.
    """
    table = outcomes.municipality_table(extract, start, end, filters, min_count=min_count)
    return table[["municipality_code", "municipality", "status", "is_started", *COMPARISON_FIGURES]].reset_index(
        drop=True
    )

