"""The public holidays a deadline skips, kept per year in the user's cache folder
(`$XDG_CACHE_HOME/assemblee/jours-feries/`, by default `~/.cache/assemblee/jours-feries/`).

Importing the `holidays` package and working out a year's dates costs some 0.2 s in every
command that computes a deadline (`status` does, for each open round), for an answer that only
changes with the library. So the dates (and French names) of each year asked for are written
once, keyed by the country, the subdivision as the rules give it and the library's version
(an upgrade starts a new file); the calendar answers from that file and asks the library only
for a year the file does not have, which it then adds. The answer is always the library's: a
missing, damaged or unwritable file only means the library is asked (and
ASSEMBLEE_SANS_CACHE=1 asks it every time). The file is not in the repository: the same
holidays serve every assembly of the person, and a fresh clone finds them."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import re
from collections.abc import Container, Iterator, Mapping
from datetime import MAXYEAR, MINYEAR, date
from pathlib import Path
from typing import Any

from assemblee_cli.core.holiday_calendar import holiday_calendar, normalise_subdivision
from assemblee_cli.core.rules import Rules
from assemblee_cli.store.cache import read_json, write_json

FORMAT = "v1"
# Years worked out around a year the file lacks: a deadline may fall in the next year, and a
# command that needs one year of a person's assembly needs the next ones soon after.
_AROUND = range(-1, 3)
_DIST_INFO = re.compile(r"holidays-([^-]+)\.dist-info", re.IGNORECASE)


def holidays_of(rules: Rules) -> Container[date]:
    """The public holidays of the rules' country and subdivision (their French names when
    the calendar is a mapping: see `holiday_calendar.holiday_name`)."""
    return _calendar(rules.holiday_country, rules.holiday_subdivision, cache_folder())


@functools.lru_cache(maxsize=8)
def _calendar(country: str, subdivision: str | None, folder: Path | None) -> Container[date]:
    file = None if folder is None else cache_file_of(folder, country, subdivision)
    if file is None:
        return holiday_calendar(country, subdivision)
    return CachedHolidays(country, subdivision, file)


def cache_folder() -> Path | None:
    """Where the holidays are kept, None when the cache is disabled or there is no HOME."""
    if os.environ.get("ASSEMBLEE_SANS_CACHE") == "1":
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    try:
        root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    except RuntimeError:  # no HOME to expand
        return None
    return root / "assemblee" / "jours-feries"


@functools.lru_cache(maxsize=1)
def library_version() -> str | None:
    """The installed `holidays` version, read from its distribution's folder name without
    importing it (importlib.metadata costs more than the cache saves); None when it cannot be
    told (then nothing is cached)."""
    try:
        spec = importlib.util.find_spec("holidays")
        if spec is None or spec.origin is None:
            return None
        site = Path(spec.origin).parent.parent
        found = {
            match.group(1)
            for entry in os.scandir(site)
            if (match := _DIST_INFO.fullmatch(entry.name))
        }
    except (OSError, ImportError, ValueError):
        return None
    return found.pop() if len(found) == 1 else None


def _key(country: str, subdivision: str | None) -> dict[str, Any] | None:
    version = library_version()
    if version is None:
        return None
    return {
        "format": FORMAT,
        "pays": country.strip().upper(),
        "subdivision": normalise_subdivision(subdivision),
        "version": version,
    }


def cache_file_of(folder: Path, country: str, subdivision: str | None) -> Path | None:
    """The file of one calendar in `folder` (None when the library's version is unknown)."""
    key = _key(country, subdivision)
    if key is None:
        return None
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
    return folder / f"{digest}.json"


class CachedHolidays(Mapping[date, str]):
    """A year's holidays from the cache file, or from the library (then kept) when the file
    does not have that year. Iterating gives the days of the years read so far."""

    def __init__(self, country: str, subdivision: str | None, file: Path) -> None:
        self.country = country
        self.subdivision = subdivision
        self.file = file
        self.key = _key(country, subdivision)  # what the file must say it holds
        self._years: dict[int, dict[date, str]] | None = None
        self._library: Any = None

    def _loaded(self) -> dict[int, dict[date, str]]:
        if self._years is None:
            self._years = _read(self.file, self.key)
        return self._years

    def _library_calendar(self) -> Any:
        if self._library is None:
            self._library = holiday_calendar(self.country, self.subdivision)
        return self._library

    def year(self, year: int) -> dict[date, str]:
        """The holidays of one year, by day."""
        years = self._loaded()
        found = years.get(year)
        if found is not None:
            return found
        library = self._library_calendar()
        for other in (year + offset for offset in _AROUND):
            if MINYEAR <= other <= MAXYEAR and other not in years:
                years[other] = _year_of(library, other)
        _write(self.file, self.key, years)
        return years[year]

    def __contains__(self, day: object) -> bool:
        if type(day) is date:
            return day in self.year(day.year)
        return day in self._library_calendar()  # a datetime, a string: the library's way

    def __getitem__(self, day: date) -> str:
        if type(day) is date:
            return self.year(day.year)[day]
        name: str = self._library_calendar()[day]
        return name

    def __iter__(self) -> Iterator[date]:
        for _year, days in sorted(self._loaded().items()):
            yield from days

    def __len__(self) -> int:
        return sum(len(days) for days in self._loaded().values())


def _year_of(library: Any, year: int) -> dict[date, str]:
    """The holidays the library gives for `year` (asking for one day of a year makes it work
    out the whole year)."""
    _ = date(year, 1, 1) in library
    return {day: str(name) for day, name in library.items() if day.year == year}


def _read(file: Path, key: dict[str, Any] | None) -> dict[int, dict[date, str]]:
    data = read_json(file)
    if not isinstance(data, dict) or data.get("cle") != key:
        return {}
    try:
        return {
            int(year): {date.fromisoformat(day): str(name) for day, name in days}
            for year, days in data["annees"].items()
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        return {}


def _write(file: Path, key: dict[str, Any] | None, years: dict[int, dict[date, str]]) -> None:
    annees = {
        str(year): [[day.isoformat(), name] for day, name in sorted(days.items())]
        for year, days in sorted(years.items())
    }
    write_json(file, {"cle": key, "annees": annees})
