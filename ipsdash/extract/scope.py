"""The scope type: which municipalities or grants one user may see (ipsdash/access.py gives each
user a scope from the roles file; ipsdash/extract/data.py keeps only its rows in every view)."""

from __future__ import annotations

import json
from dataclasses import dataclass

REGIONAL = "regional"
MUNICIPALITY = "municipality"
FUNDER = "funder"
ROLES = (REGIONAL, MUNICIPALITY, FUNDER)


@dataclass(frozen=True)
class Scope:
    """What one user may see: None means all municipalities (or all grants).

    >>> Scope(MUNICIPALITY, municipalities=(630, 461, 630)).municipalities
    (461, 630)
    >>> Scope.from_key(Scope(FUNDER, grants=("APMF-2021",)).key) == Scope(FUNDER, grants=("APMF-2021",))
    True
    """

    role: str
    municipalities: tuple[int, ...] | None = None
    grants: tuple[str, ...] | None = None

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; one of {', '.join(ROLES)}")
        if self.municipalities is not None:
            object.__setattr__(self, "municipalities", tuple(sorted({int(m) for m in self.municipalities})))
        if self.grants is not None:
            object.__setattr__(self, "grants", tuple(sorted({str(g) for g in self.grants})))
        # Each role has exactly its own kind of limit: a scope can never be wider than its role.
        if self.role == REGIONAL:
            if self.municipalities is not None or self.grants is not None:
                raise ValueError("a regional scope sees everything: give it no municipalities or grants")
        elif self.role == MUNICIPALITY:
            if self.grants is not None:
                raise ValueError("a municipality scope limits municipalities only: give it no grants")
            if not self.municipalities:
                raise ValueError("a municipality scope needs at least one municipality")
        else:
            if self.municipalities is not None:
                raise ValueError("a funder scope limits grants only: give it no municipalities")
            if not self.grants:
                raise ValueError("a funder scope needs at least one grant")

    @property
    def key(self) -> str:
        """A stable text naming the scope exactly: part of every cache key, and `from_key` reads it back."""
        return json.dumps([self.role, self.municipalities, self.grants], ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_key(cls, key: str) -> Scope:
        role, municipalities, grants = json.loads(key)
        return cls(
            role,
            None if municipalities is None else tuple(municipalities),
            None if grants is None else tuple(grants),
        )

    @property
    def is_everything(self) -> bool:
        return self.municipalities is None and self.grants is None


REGION = Scope(REGIONAL)
