"""Login end to end: a local OpenID Connect provider, the real Streamlit server, and Chromium.

The test starts a small provider on localhost (discovery, authorisation, token and keys, an
RS256-signed ID token with a key made for the test), points `.streamlit/secrets.toml`'s `[auth]`
at it through `--secrets.files`, and logs in through the app's own button, as a user would. It
shows that `st.login` works with this configuration, that the ID token's claims reach the roles
file (a municipality user sees its own municipality only, even with a forged URL), that a user
without a role is refused, and that an ID token signed with another key logs no one in.

Needs Debian's Chromium (`make browser-deps`); skipped without it unless IPS_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ipsdash import texts
from ipsdash.app import browser

pytestmark = pytest.mark.browser

if not Path(browser.CHROMIUM).exists():
    if os.environ.get("IPS_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"IPS_REQUIRE_BROWSER=1 but {browser.CHROMIUM} is missing")
    pytest.skip("Chromium is not installed (make browser-deps)", allow_module_level=True)

jwt = pytest.importorskip("joserfc.jwt")  # comes with Authlib, which st.login needs
RSAKey = pytest.importorskip("joserfc.jwk").RSAKey

CLIENT_ID = "ips-dashboard-test"
CLIENT_SECRET = secrets.token_urlsafe(16)

ROLES = """
contact = "ips@region.example"

[[access]]
role = "municipality"
municipalities = [630]
groups = ["IPS.Kommune.630"]
"""


class Provider:
    """A minimal OpenID Connect provider: it logs in `self.user` without asking, as a test wants."""

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key"}, private=True)
        self.rogue = RSAKey.generate_key(2048, parameters={"kid": "test-key"}, private=True)
        self.user: dict = {}
        self.sign_with_rogue_key = False
        self.codes: dict[str, dict] = {}
        self.tokens_issued = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def metadata(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/keys",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 600,
            "nonce": grant["nonce"],
            **grant["user"],
        }
        key = self.rogue if self.sign_with_rogue_key else self.key
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, key)

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet test output
                pass

            def _json(self, body: dict, status: int = 200):
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/.well-known/openid-configuration":
                    return self._json(provider.metadata())
                if url.path == "/keys":
                    return self._json({"keys": [provider.key.as_dict(private=False) | {"use": "sig", "alg": "RS256"}]})
                if url.path == "/authorize":
                    if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                        return self._json({"error": "invalid_request"}, 400)
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = {
                        "nonce": query.get("nonce"),
                        "redirect_uri": query["redirect_uri"],
                        "user": dict(provider.user),
                    }
                    back = f"{query['redirect_uri']}?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
                    self.send_response(302)
                    self.send_header("Location", back)
                    self.end_headers()
                    return None
                return self._json({"error": "not_found"}, 404)

            def do_POST(self):
                if urllib.parse.urlparse(self.path).path != "/token":
                    return self._json({"error": "not_found"}, 404)
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                client = (form.get("client_id"), form.get("client_secret"))
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    import base64

                    user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                    client = (urllib.parse.unquote(user), urllib.parse.unquote(password))
                if client != (CLIENT_ID, CLIENT_SECRET):
                    return self._json({"error": "invalid_client"}, 401)
                grant = provider.codes.pop(form.get("code", ""), None)
                if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                    return self._json({"error": "invalid_grant"}, 400)
                provider.tokens_issued += 1
                return self._json(
                    {
                        "access_token": secrets.token_urlsafe(16),
                        "token_type": "Bearer",
                        "expires_in": 600,
                        "id_token": provider.id_token(grant),
                    }
                )

        return Handler

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The dashboard on the demo extract with login through the local provider: (base URL, provider)."""
    folder = tmp_path_factory.mktemp("login")
    roles = folder / "roles.toml"
    roles.write_text(ROLES, encoding="utf-8")
    port = browser.free_port()
    with Provider() as provider:
        (folder / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\n'
            f'client_id = "{CLIENT_ID}"\n'
            f'client_secret = "{CLIENT_SECRET}"\n'
            f'server_metadata_url = "{provider.url}/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        env_before = {k: os.environ.get(k) for k in ("IPS_ROLES_FILE", "IPS_ALLOW_ANONYMOUS")}
        os.environ["IPS_ROLES_FILE"] = str(roles)
        os.environ.pop("IPS_ALLOW_ANONYMOUS", None)
        try:
            with browser.streamlit_server(
                "app.py",
                port=port,
                extra_args=[f"--secrets.files={folder / 'secrets.toml'}"],
                log_path=folder / "streamlit.log",
            ) as base_url:
                yield base_url, provider
        finally:
            for key, value in env_before.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture(scope="module")
def chromium(chrome):
    """The Chromium every browser test shares (tests/conftest.py): one Playwright per process."""
    return chrome


def log_in(chromium, base_url: str, path: str = "/"):
    """A new browser (no cookies) opens `path`, sees only the login button, and logs in."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(base_url + path)
    browser.wait_for_streamlit_idle(page)
    body = page.inner_text("body")
    assert texts.LOGIN_PROMPT[:40] in body and "Aktive forløb" not in body
    # The button's redirect chain (app /auth/login -> provider /authorize -> app /oauth2callback ->
    # app /) is one navigation to the browser.
    with page.expect_navigation(timeout=30_000):
        page.get_by_role("button", name=texts.LOGIN_BUTTON).click()
    browser.wait_for_streamlit_idle(page)
    return context, page


def test_a_municipality_user_logs_in_and_sees_its_own_municipality_only(app, chromium):
    base_url, provider = app
    provider.user = {"sub": "vera", "name": "Vera Vejle", "email": "vera@vejle.example", "roles": ["IPS.Kommune.630"]}
    provider.sign_with_rogue_key = False
    context, page = log_in(chromium, base_url)
    try:
        body = page.inner_text("body")
        assert "Logget ind som Vera Vejle" in body and "Kommune: Vejle" in body
        caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first
        assert caption.inner_text().startswith("Vejle ·")
        assert "Aktive forløb" in body and "Odense" not in body
        # A forged link asking for Odense still shows Vejle, and Vejle only.
        page.goto(base_url + "/?kommune=Odense&periode=I+%C3%A5r")
        browser.wait_for_streamlit_idle(page)
        body = page.inner_text("body")
        assert "Logget ind som Vera Vejle" in body and "Odense" not in body
        # The delivery page reads files beside the extract: not reachable for a municipality.
        page.goto(base_url + "/leverancer")
        browser.wait_for_streamlit_idle(page)
        assert "Leverancelog" not in page.inner_text("body")
        # Logging out shows the login button again.
        page.goto(base_url + "/")
        browser.wait_for_streamlit_idle(page)
        page.get_by_role("button", name=texts.LOGOUT_BUTTON).click()
        page.wait_for_timeout(1000)
        browser.wait_for_streamlit_idle(page)
        assert page.get_by_role("button", name=texts.LOGIN_BUTTON).is_visible()
    finally:
        context.close()


def test_a_user_without_a_role_is_refused(app, chromium):
    base_url, provider = app
    provider.user = {"sub": "sam", "name": "Sam Stranger", "email": "sam@else.example", "roles": ["Other.App"]}
    provider.sign_with_rogue_key = False
    context, page = log_in(chromium, base_url)
    try:
        body = page.inner_text("body")
        assert texts.NO_ACCESS in body and "ips@region.example" in body
        assert "Aktive forløb" not in body
    finally:
        context.close()


def test_an_id_token_signed_with_another_key_logs_no_one_in(app, chromium):
    base_url, provider = app
    provider.user = {"sub": "eve", "name": "Eve", "email": "eve@vejle.example", "roles": ["IPS.Kommune.630"]}
    provider.sign_with_rogue_key = True
    issued = provider.tokens_issued
    try:
        context, page = log_in(chromium, base_url)
        try:
            assert provider.tokens_issued == issued + 1  # the provider did answer: the app refused the token
            body = page.inner_text("body")
            assert "Aktive forløb" not in body and "Logget ind som" not in body
            assert page.get_by_role("button", name=texts.LOGIN_BUTTON).is_visible()
        finally:
            context.close()
    finally:
        provider.sign_with_rogue_key = False
