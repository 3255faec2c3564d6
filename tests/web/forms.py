"""HTTP helpers for the web tests: read a page's form token, send a form."""

from __future__ import annotations

import re
from typing import Any

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "la page n'a pas de formulaire"
    return found.group(1)


def vote(client: Any, link: str, choice: str, reason: str = "") -> Any:
    """Open the personal link, then send the vote form as a browser would."""
    page = client.get(link)
    assert page.status_code == 200, page.text
    data = {"csrf": csrf_of(page.text), "choix": choice, "raison": reason}
    return client.post(link, data=data)
