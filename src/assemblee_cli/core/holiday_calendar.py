"""Adapter to the `holidays` package: the only module that imports it (lazily)."""

from __future__ import annotations

from collections.abc import Container, Mapping
from datetime import date

from assemblee_cli.errors import ConfigError

# User spellings → `holidays` subdivision codes (keys are lower-case).
_SUBDIVISION_ALIASES = {
    "67": "6AE",
    "68": "6AE",
    "alsace": "6AE",
    "bas-rhin": "6AE",
    "haut-rhin": "6AE",
    "moselle": "57",
}


def normalise_subdivision(value: str | None) -> str | None:
    """Map user input to a `holidays` subdivision code; blank or None means none.

    "67", "68" and "alsace" become "6AE", "moselle" becomes "57" (case-insensitive);
    other values are returned stripped and are checked by `holiday_calendar`.
    """
    if value is None or not value.strip():
        return None
    cleaned = value.strip()
    return _SUBDIVISION_ALIASES.get(cleaned.lower(), cleaned)


def _supported_subdivisions(country: str) -> list[str] | None:
    """Return the subdivision codes `holidays` knows for a country, None if unknown.

    The same answer as `holidays.list_supported_countries().get(country)`, without importing
    the module of every country the library knows (some 250 modules, a fifth of a second):
    the registry names the codes, and only the country asked for is loaded."""
    import holidays

    try:
        from holidays.registry import EntityLoader

        codes = set(EntityLoader.get_country_codes(include_aliases=True))
    except (ImportError, AttributeError):  # another version of the library: ask it all
        supported: dict[str, list[str]] = holidays.list_supported_countries()
        return supported.get(country)
    if country not in codes:
        return None
    return list(getattr(holidays, country).subdivisions)


def _canonical_subdivision(country: str, subdivision: str | None) -> str | None:
    """Check country and subdivision against `holidays`; fix the case of the code."""
    accepted = _supported_subdivisions(country)
    if accepted is None:
        raise ConfigError(
            f"Pays inconnu pour les jours fériés : « {country} » "
            "(code ISO à deux lettres attendu, par exemple FR)."
        )
    if subdivision is None:
        return None
    for code in accepted:
        if code.lower() == subdivision.lower():
            return code
    listing = ", ".join(accepted) if accepted else "aucune"
    hint = " ; 67, 68 et alsace valent 6AE, moselle vaut 57" if country == "FR" else ""
    raise ConfigError(
        f"Subdivision inconnue pour les jours fériés de {country} : « {subdivision} ». "
        f"Subdivisions acceptées : {listing} (ou aucune subdivision{hint})."
    )


def holiday_calendar(country: str, subdivision: str | None) -> Container[date]:
    """Return the public holidays of a country (and subdivision), named in French.

    The returned object expands lazily to any year looked up.
    """
    import holidays

    code = country.strip().upper()
    subdiv = _canonical_subdivision(code, normalise_subdivision(subdivision))
    try:
        calendar: Container[date] = holidays.country_holidays(code, subdiv=subdiv, language="fr")
    except NotImplementedError as error:
        raise ConfigError(
            f"Jours fériés indisponibles pour {code} / {subdiv or 'aucune subdivision'} : {error}."
        ) from error
    return calendar


def holiday_name(cal: Container[date], day: date) -> str | None:
    """Return the holiday's name for `day` if the calendar knows it, else None."""
    if day not in cal or not isinstance(cal, Mapping):
        return None
    name = cal.get(day)
    return str(name) if name else None
