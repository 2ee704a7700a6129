"""The case's named deadlines: what each running wait is for and when it ends. The view lists
them; the search attribute and the read model show the nearest."""

from __future__ import annotations

from datetime import datetime

from domain.messages import Deadline


class Deadlines:
    def __init__(self) -> None:
        self._at: dict[str, datetime] = {}

    def set(self, kind: str, at: datetime) -> None:
        self._at[kind] = at

    def drop(self, kind: str) -> None:
        self._at.pop(kind, None)

    def clear(self) -> None:
        self._at.clear()

    def nearest(self) -> tuple[str, datetime] | None:
        return min(self._at.items(), key=lambda kv: kv[1], default=None)

    def listed(self) -> list[Deadline]:
        return [Deadline(kind=k, at=v) for k, v in self._at.items()]
