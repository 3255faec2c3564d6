"""The member roster: who may vote, and who may act as secretary or maintainer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from assemblee_cli.core.french import folded

ROLES = ("secretariat", "maintenance")


@dataclass(frozen=True)
class Member:
    name: str
    email: str
    since: date | None = None
    roles: tuple[str, ...] = ()
    ssh_key: str | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class Roster:
    members: tuple[Member, ...] = ()

    def find(self, email: str) -> Member | None:
        return self._by_email.get(normalise_email(email))

    @cached_property
    def _by_email(self) -> dict[str, Member]:
        """Each member by their address (the first, should a hand-edited file name one twice):
        asked for every vote shown, it is built once."""
        found: dict[str, Member] = {}
        for member in self.members:
            found.setdefault(normalise_email(member.email), member)
        return found

    @property
    def emails(self) -> tuple[str, ...]:
        return tuple(normalise_email(member.email) for member in self.members)

    def name_of(self, email: str) -> str:
        member = self.find(email)
        return member.name if member else email

    def designated(self, text: str) -> list[Member]:
        """The members `text` names, as a secretary types it at a meeting: their address, their
        full name, or one word of it (« Bruno »), without minding case or accents. Several
        when that word is more than one member's; none when nobody is called so."""
        if "@" in text:
            found = self.find(text)
            return [found] if found else []
        wanted = folded(text)
        exact = [m for m in self.members if folded(m.name) == wanted]
        if exact or not wanted:
            return exact
        return [m for m in self.members if wanted in folded(m.name).split()]

    def may_record_for_others(self, email: str) -> bool:
        """Secretaries record positions given at a meeting; with none named, any member may."""
        secretaries = [m for m in self.members if "secretariat" in m.roles]
        if not secretaries:
            return self.find(email) is not None
        return any(normalise_email(m.email) == normalise_email(email) for m in secretaries)


def names(roster: Roster, emails: tuple[str, ...] | list[str]) -> str:
    """The members' names, separated by commas (their address when they are not listed)."""
    return ", ".join(roster.name_of(email) for email in emails)
