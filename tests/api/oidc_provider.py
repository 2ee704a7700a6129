"""A SIMULATED OpenID Connect provider for the tests (not a real IdP): a real HTTP server on
127.0.0.1 with an RSA key made for the test, serving

    GET  /.well-known/openid-configuration   the discovery document
    GET  /certs                              the JWKS
    GET  /authorize                          "signs in" ``user`` at once and redirects back with a
                                             code (Authorization Code flow; PKCE S256 required)
    POST /token                              the code (once, within ``code_ttl``, with the PKCE
                                             verifier, the redirect URI and the client id) for an
                                             ID token carrying the authorize request's nonce

``token()`` signs an ID token directly (the token-exchange tests). Knobs for the refusal tests:
``nonce_override`` (an ID token with another nonce), ``code_ttl`` (a code that has expired)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://idp.detachment.test/realms/police"
AUDIENCE = "kuaichu"


class SimulatedIdp:
    """A key pair published as a JWKS at ``jwks_url``, and the endpoints above at ``base_url``."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "key-" + uuid.uuid4().hex[:6]
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}
        self.fetches = 0  # JWKS fetches
        self.user: dict[str, Any] = {"sub": "jy-officer-3", "roles": ["officer"], "district": "江阳区"}
        self.nonce_override: str | None = None
        self.code_ttl = 60.0
        self.codes: dict[str, dict[str, Any]] = {}  # code -> the authorize request and its time
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, idp.discovery())
                elif url.path == "/authorize":
                    status, location = idp.authorize({k: v[0] for k, v in parse_qs(url.query).items()})
                    self.send_response(status)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:  # the JWKS (any other path, as the token-exchange tests have it)
                    idp.fetches += 1
                    self._json(200, idp.jwks)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, body = idp.exchange(form)
                self._json(status, body, {"Cache-Control": "no-store"})

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.jwks_url = self.base_url + "/certs"
        self.discovery_url = self.base_url + "/.well-known/openid-configuration"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": ISSUER,
            "authorization_endpoint": self.base_url + "/authorize",
            "token_endpoint": self.base_url + "/token",
            "jwks_uri": self.jwks_url,
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def token(self, kid: str | None = None, key: Any = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "jy-officer-3",
            "iat": now,
            "exp": now + 300,
            "roles": ["offline_access", "officer"],
            "district": "江阳区",
            **claims,
        }
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})

    def authorize(self, q: dict[str, str]) -> tuple[int, str]:
        """The user is signed in already: back to the client with a code (or an error)."""
        redirect = q.get("redirect_uri", "")
        ok = (
            q.get("response_type") == "code"
            and q.get("client_id") == AUDIENCE
            and "openid" in q.get("scope", "").split()
            and q.get("code_challenge_method") == "S256"
            and q.get("code_challenge")
            and q.get("state")
            and q.get("nonce")
        )
        if not ok:
            return 302, redirect + "?" + urlencode({"error": "invalid_request", "state": q.get("state", "")})
        code = secrets.token_urlsafe(24)
        self.codes[code] = {**q, "at": time.monotonic()}
        return 302, redirect + "?" + urlencode({"code": code, "state": q["state"]})

    def exchange(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The token endpoint: a code is good once, briefly, for its own client, redirect, verifier."""
        request = self.codes.pop(form.get("code", ""), None)
        if request is None or time.monotonic() - request["at"] > self.code_ttl:
            return 400, {"error": "invalid_grant", "error_description": "code expired or used"}
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if (
            form.get("grant_type") != "authorization_code"
            or form.get("client_id") != AUDIENCE
            or form.get("redirect_uri") != request["redirect_uri"]
            or challenge != request["code_challenge"]
        ):
            return 400, {"error": "invalid_grant"}
        nonce = self.nonce_override if self.nonce_override is not None else request["nonce"]
        id_token = self.token(nonce=nonce, **self.user)
        return 200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "id_token": id_token}
