"""A staff token lives no longer than its account allows: revocation.

A token issued for an account (password login, or OIDC for a staff id that has an account here)
carries the account's token version ``sv`` (``staff_accounts.token_version``, revision 0009).
Every change that must end the account's sessions bumps it in the same transaction (api/staff_admin.py:
disable, delete, roles or district changed, password reset, TOTP re-enrolled, "revoke sessions").
Resolving a bearer token (api/auth.py ``decode``) compares its ``sv`` with the account's:
a deleted account (STAFF_ACCOUNT_GONE), a disabled one (STAFF_ACCOUNT_DISABLED) or an older
version (STAFF_SESSION_REVOKED) answers 401.

So that a request costs no query most of the time, each API process keeps what it read of an
account for ``CACHE_SECONDS`` (5 s). The process that makes the change forgets its entry at once
(``forget``), so there the token stops working on the next request; another API process notices
within those 5 s. Tokens bound to no account (no ``sv``: the embedded dev login; an OIDC user
without an account here, whose provider governs the session) are not checked here."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from api.auth import UNAUTHENTICATED, Principal
from api.errors import ApiProblem
from db import staff as store
from db.models import StaffAccountRow
from domain import refusals as R

if TYPE_CHECKING:
    from api.deps import AppState

CACHE_SECONDS = 5.0
_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class AccountState:
    token_version: int
    disabled: bool


class AccountCache:
    """staff id -> (monotonic time read, the account's state or None when there is none)."""

    def __init__(self, ttl: float = CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, AccountState | None]] = {}
        self.reads = 0  # database reads (tests: the cache saves them)

    def get(self, staff_id: str) -> tuple[bool, AccountState | None]:
        entry = self._entries.get(staff_id)
        if entry is None or time.monotonic() - entry[0] > self.ttl:
            return False, None
        return True, entry[1]

    def put(self, staff_id: str, state: AccountState | None) -> None:
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()
        self._entries[staff_id] = (time.monotonic(), state)

    def forget(self, staff_id: str) -> None:
        self._entries.pop(staff_id, None)


async def account_state(kc: AppState, staff_id: str) -> AccountState | None:
    cache = kc.account_cache
    hit, state = cache.get(staff_id)
    if hit:
        return state
    async with kc.sessions() as session:
        row = await store.get_account(session, staff_id)
    cache.reads += 1
    state = None if row is None else AccountState(row.token_version, row.disabled)
    cache.put(staff_id, state)
    return state


async def check_account(kc: AppState, principal: Principal) -> None:
    """Refuse (401) a token of an account that is gone, disabled, or has revoked its sessions."""
    if principal.sv is None:
        return
    state = await account_state(kc, principal.sub)
    if state is None:
        raise ApiProblem(R.STAFF_ACCOUNT_GONE, headers=UNAUTHENTICATED)
    if state.disabled:
        raise ApiProblem(R.STAFF_ACCOUNT_DISABLED, headers=UNAUTHENTICATED)
    if state.token_version != principal.sv:
        raise ApiProblem(R.STAFF_SESSION_REVOKED, headers=UNAUTHENTICATED)


def revoke(row: StaffAccountRow) -> None:
    """End every token of this account (in the caller's transaction; then ``forget``)."""
    row.token_version = (row.token_version or 0) + 1


def forget(kc: AppState, staff_id: str) -> None:
    """After the transaction that changed the account (committed): this process reads it anew."""
    kc.account_cache.forget(staff_id)
