"""The public holidays kept in the user's cache folder (store/holidays.py) answer exactly as the
`holidays` library does, for every day of several years, whatever state the cache is in: cold,
warm, damaged, made by another version of the library, or disabled."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays
import pytest

from assemblee_cli.core.holiday_calendar import _supported_subdivisions, holiday_name
from assemblee_cli.core.rules import Rules
from assemblee_cli.store import holidays as cached
from assemblee_cli.store.cache import read_json, write_json

YEARS = range(2024, 2032)
# As the rules may name them: none, Alsace (6AE, by its code or its alias), Moselle, an
# overseas department, and a code in the wrong case.
SUBDIVISIONS = (None, "6AE", "alsace", "57", "971", "6ae")
_ALIASES = {"alsace": "6AE", "6ae": "6AE"}


def library(subdivision: str | None) -> holidays.HolidayBase:
    subdiv = _ALIASES.get(subdivision or "", subdivision)
    return holidays.country_holidays("FR", subdiv=subdiv, language="fr")


def days(years: range = YEARS) -> Iterator[date]:
    day = date(years.start, 1, 1)
    while day.year < years.stop:
        yield day
        day += timedelta(days=1)


def assert_same(calendar: object, subdivision: str | None, years: range = YEARS) -> None:
    truth = library(subdivision)
    for day in days(years):
        assert (day in calendar) == (day in truth), day  # type: ignore[operator]
        assert holiday_name(calendar, day) == holiday_name(truth, day), day  # type: ignore[arg-type]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ASSEMBLEE_SANS_CACHE", raising=False)
    cached._calendar.cache_clear()
    return tmp_path / "cache" / "assemblee" / "jours-feries"


def fresh(subdivision: str | None) -> cached.CachedHolidays:
    """A calendar read from the cache folder as a new command would."""
    cached._calendar.cache_clear()
    calendar = cached.holidays_of(Rules(holiday_country="FR", holiday_subdivision=subdivision))
    assert isinstance(calendar, cached.CachedHolidays)
    return calendar


def only_file(folder: Path) -> Path:
    files = list(folder.glob("*.json"))
    assert len(files) == 1, files
    return files[0]


@pytest.mark.parametrize("subdivision", SUBDIVISIONS)
def test_cold_then_warm_equal_the_library(folder: Path, subdivision: str | None) -> None:
    assert_same(fresh(subdivision), subdivision)  # cold: from the library, then kept
    kept = read_json(only_file(folder))
    assert sorted(kept["annees"]) == [str(y) for y in range(YEARS.start - 1, YEARS.stop + 1)]

    warm = fresh(subdivision)
    assert_same(warm, subdivision)
    assert warm._library is None  # every year answered from the file


def test_each_subdivision_has_its_file(folder: Path) -> None:
    for subdivision in (None, "6AE", "57"):
        fresh(subdivision).year(2026)
    assert len(list(folder.glob("*.json"))) == 3
    # Saint Stephen's day and Good Friday: holidays in Alsace-Moselle only, from the files.
    assert date(2026, 12, 26) in fresh("6AE")
    assert date(2026, 12, 26) not in fresh(None)
    assert holiday_name(fresh("57"), date(2026, 4, 3)) == "Vendredi saint"
    assert holiday_name(fresh(None), date(2026, 4, 3)) is None


def test_a_year_not_kept_is_asked_and_added(folder: Path) -> None:
    fresh(None).year(2026)
    calendar = fresh(None)
    assert date(2040, 5, 1) in calendar  # not kept: the library, then the file has it
    assert calendar._library is not None
    assert "2040" in read_json(only_file(folder))["annees"]
    assert_same(fresh(None), None, range(2039, 2043))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda f: f.write_text("", encoding="utf-8"), id="empty"),
        pytest.param(lambda f: f.write_bytes(f.read_bytes()[:-40]), id="cut-short"),
        pytest.param(  # an edited day: the digest no longer matches
            lambda f: f.write_text(
                f.read_text(encoding="utf-8").replace("-12-25", "-12-24"), encoding="utf-8"
            ),
            id="edited",
        ),
        pytest.param(  # its digest right, its content not what is expected
            lambda f: write_json(f, {"cle": read_json(f)["cle"], "annees": {"2026": [1, 2]}}),
            id="malformed",
        ),
        pytest.param(lambda f: write_json(f, ["pas", "un", "calendrier"]), id="other"),
    ],
)
def test_a_damaged_file_is_not_believed(folder: Path, damage: object) -> None:
    fresh("57").year(2026)
    damage(only_file(folder))  # type: ignore[operator]
    assert_same(fresh("57"), "57")
    assert_same(fresh("57"), "57")  # written again, whole
    assert "2026" in read_json(only_file(folder))["annees"]


def test_another_library_version_rebuilds(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh(None).year(2026)
    old = only_file(folder)
    data = read_json(old)
    data["annees"]["2026"] = [["2026-11-24", "Jour inventé"]]
    write_json(old, data)  # what this version would believe: a wrong day
    assert date(2026, 11, 24) in fresh(None)

    monkeypatch.setattr(cached, "library_version", lambda: "999.0")
    upgraded = fresh(None)
    assert date(2026, 11, 24) not in upgraded
    assert_same(upgraded, None)
    assert len(list(folder.glob("*.json"))) == 2  # the upgrade has its own file

    # A file found under this version's name but written for another key is not believed.
    write_json(only_file_of(folder, "999.0"), data)
    assert_same(fresh(None), None)


def only_file_of(folder: Path, version: str) -> Path:
    for file in folder.glob("*.json"):
        if (read_json(file) or {}).get("cle", {}).get("version") == version:
            return file
    raise AssertionError(version)


def test_disabled_or_unknown_version_asks_the_library(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSEMBLEE_SANS_CACHE", "1")
    cached._calendar.cache_clear()
    rules = Rules(holiday_subdivision="57")
    assert isinstance(cached.holidays_of(rules), holidays.HolidayBase)
    assert_same(cached.holidays_of(rules), "57", range(2026, 2027))
    monkeypatch.delenv("ASSEMBLEE_SANS_CACHE")
    monkeypatch.setattr(cached, "library_version", lambda: None)
    cached._calendar.cache_clear()
    assert isinstance(cached.holidays_of(rules), holidays.HolidayBase)
    assert not folder.exists()


def test_unwritable_folder_still_answers(folder: Path) -> None:
    folder.parent.mkdir(parents=True)
    folder.write_text("un fichier, pas un dossier", encoding="utf-8")
    assert_same(fresh("6AE"), "6AE", range(2026, 2028))


def test_the_version_is_the_installed_one() -> None:
    from importlib.metadata import version

    cached.library_version.cache_clear()
    assert cached.library_version() == version("holidays")


def test_other_lookups_are_the_library_s() -> None:
    calendar = cached.CachedHolidays("FR", None, Path("/nonexistent/jours-feries.json"))
    assert datetime(2026, 12, 25, 10) in calendar
    assert calendar[datetime(2026, 12, 25, 10)] == "Noël"
    with pytest.raises(KeyError):
        calendar[date(2026, 12, 24)]


def test_supported_subdivisions_are_the_library_s() -> None:
    """The registry's codes, without importing every country: the library's full answer."""
    everything = holidays.list_supported_countries()
    for code, subdivisions in everything.items():
        assert _supported_subdivisions(code) == subdivisions, code
    assert _supported_subdivisions("XX") is None
    assert json.dumps(_supported_subdivisions("FR"))
