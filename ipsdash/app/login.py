"""Login and scope (issue 6; ipsdash/access.py): who the user is, what they may see, which pages.

`current_scope` is what every extract and cached figure of a run is keyed on (ipsdash/app/session.py);
`admit` is what app.py asks before anything else.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping

import streamlit as st

from ipsdash import access, fmt, texts
from ipsdash.extract import data, source
from ipsdash.figures.filters import Selection

log = logging.getLogger(__name__)


class LoginRequired(Exception):
    """No one is logged in, or login is not set up and the data are not the demo extract."""


class NoAccess(Exception):
    """Logged in, but the roles file gives this user no role."""


def auth_configured() -> bool:
    """`[auth]` is in .streamlit/secrets.toml: every user must log in."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets.toml at all
        return False


def login_setup_problems() -> list[str]:
    """Why the `[auth]` of .streamlit/secrets.toml is refused (a public or weak secret); empty when fine."""
    if not auth_configured():
        return []
    return access.login_setup_problems(st.secrets["auth"])


def login_providers() -> list[str]:
    """The named providers ([auth.<name>] sections); empty when [auth] itself is the one provider."""
    section = st.secrets["auth"]
    return [name for name, value in section.items() if isinstance(value, Mapping)]


def anonymous_allowed() -> bool:
    """`IPS_ALLOW_ANONYMOUS=1`: serve real data without login, deliberately (every page says so)."""
    return os.environ.get("IPS_ALLOW_ANONYMOUS") == "1"


@st.cache_data(max_entries=8, show_spinner=False)
def _is_demo(location: str, version: str) -> bool:
    return data.is_demo(location)


@st.cache_data(max_entries=4, show_spinner=False)
def _roles(path: str, mtime_ns: int) -> access.Roles:
    return access.load_roles(path)


def roles() -> access.Roles:
    """The roles file, read again when it changes (no restart needed to give someone access)."""
    path = access.roles_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise access.RolesError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return _roles(str(path), mtime)


def is_anonymous() -> bool:
    """Real data served without login because IPS_ALLOW_ANONYMOUS=1 says so."""
    if auth_configured() or not anonymous_allowed():
        return False
    location = source.data_dir()
    return not _is_demo(location, data.version(location))


def current_scope() -> access.Scope:
    """What the user of this session may see; raises LoginRequired or NoAccess.

    Without `[auth]` in the secrets everyone is anonymous and sees everything, which is allowed
    only for the synthetic demo extract or when IPS_ALLOW_ANONYMOUS=1. With it, the scope comes
    from the logged-in user's ID-token claims (`st.user`) and the roles file. Every extract and
    every cached figure of a run is keyed on this scope (`extract`, `call`).
    """
    if login_setup_problems():
        raise NoAccess(texts.LOGIN_SETUP_REFUSED)
    if not auth_configured():
        location = source.data_dir()
        if anonymous_allowed() or _is_demo(location, data.version(location)):
            return access.REGION
        raise LoginRequired(texts.LOGIN_NOT_CONFIGURED)
    user = st.user.to_dict()
    if not user.get("is_logged_in"):
        raise LoginRequired(texts.LOGIN_PROMPT)
    try:
        scope = access.scope_for(user, roles())
    except access.RolesError as exc:
        log.error("no one can be given access: %s", exc)
        scope = None
    if scope is None:
        raise NoAccess(texts.NO_ACCESS)
    return scope


def admit() -> bool:
    """For app.py, before anything else: True when this user may go on; else draws why not.

    Draws the login button (login configured, no one logged in), the "no access" page (logged
    in without a role), or how to configure login (real data, no login, no IPS_ALLOW_ANONYMOUS).
    Before any of it, a login set up with a public or weak secret, or a data folder that does not
    exist, is told as such and nothing else runs.
    """
    problems = login_setup_problems()
    if problems:
        log.error("login refused: %s", " ".join(problems))
        st.title(texts.APP_TITLE)
        listed = "\n".join(f"- {p}" for p in problems)
        st.error(f"{texts.LOGIN_SETUP_REFUSED}\n\n{listed}\n\n{texts.LOGIN_SETUP_FIX.format(how=access.HOW_TO_MAKE_A_SECRET)}",
                 icon=":material/lock:")
        return False
    try:
        data.require_folder(source.data_root())
    except data.MissingFolderError as exc:
        st.title(texts.APP_TITLE)
        st.error(str(exc), icon=":material/folder_off:")
        return False
    try:
        current_scope()
        return True
    except LoginRequired as exc:
        st.title(texts.APP_TITLE)
        if auth_configured():
            st.markdown(str(exc))
            for provider in login_providers() or [None]:
                st.button(
                    texts.LOGIN_BUTTON if provider is None else f"{texts.LOGIN_BUTTON} med {provider}",
                    type="primary",
                    icon=":material/login:",
                    on_click=st.login,
                    args=() if provider is None else (provider,),
                    key=f"login_{provider or 'default'}",
                )
        else:
            st.error(str(exc), icon=":material/lock:")
    except NoAccess as exc:
        st.title(texts.APP_TITLE)
        contact = _contact()
        st.error(str(exc) + (f" {texts.NO_ACCESS_CONTACT.format(contact=contact)}" if contact else ""),
                 icon=":material/block:")
        st.caption(texts.LOGGED_IN_AS.format(user=fmt.plain(access.display_name(st.user.to_dict()))))
        st.button(texts.LOGOUT_BUTTON, icon=":material/logout:", on_click=st.logout)
    return False


def _contact() -> str:
    try:
        return roles().contact
    except access.RolesError:
        return ""


def within_scope(sel: Selection, scope: access.Scope | None) -> Selection:
    """The selection as it reads for a limited user: "Alle kommuner" of a municipality user is its own."""
    if scope is None:
        return sel
    f = sel.filters
    if not f.municipalities and scope.municipalities is not None:
        f = dataclasses.replace(f, municipalities=scope.municipalities)
    if not f.grants and scope.grants is not None:
        f = dataclasses.replace(f, grants=scope.grants)
    return dataclasses.replace(sel, filters=f)


# Pages that read the data directory's files beside the extract (the delivery log, the contract
# check of every file), so the scope of the extract cannot limit them: for everything-scopes only.
WHOLE_EXTRACT_PAGES = frozenset({"leverancer"})


def pages_for(pages: list) -> list:
    """The pages (st.Page) this user may open; a page left out cannot be reached by its URL either."""
    if current_scope().is_everything:
        return pages
    return [p for p in pages if p.url_path not in WHOLE_EXTRACT_PAGES]
