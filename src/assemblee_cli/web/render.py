"""Templates (Jinja2, every value escaped) and the links between pages, for the live server
and for the static site."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from assemblee_cli.core.tally import CHOICE_LABELS


@dataclass(frozen=True)
class Links:
    """Where each page lives: under `prefix` on the server, side by side in a static site."""

    prefix: str = ""
    static: bool = False

    def home(self) -> str:
        return "index.html" if self.static else f"{self.prefix}/"

    def proposal(self, number: int, token: str | None = None) -> str:
        if token:
            return f"{self.prefix}/m/{token}/proposition/{number}"
        return (
            f"proposition-{number}.html" if self.static else f"{self.prefix}/proposition/{number}"
        )

    def page(self, name: str) -> str:
        """code-social, decisions, calendrier.ics, flux.atom, static/style.css"""
        if self.static:
            return name if "." in name else f"{name}.html"
        return f"{self.prefix}/{name}"

    def member(self, token: str, rest: str = "") -> str:
        return f"{self.prefix}/m/{token}{'/' + rest if rest else ''}"


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("assemblee_cli.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["choice_labels"] = {c.value: label for c, label in CHOICE_LABELS.items()}
    return env


def render(env: Environment, template: str, links: Links, **data: Any) -> str:
    return env.get_template(template).render(links=links, **data)
