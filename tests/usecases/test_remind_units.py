"""The reminder's horizon: the end of the next working day (weekends and holidays skipped)."""

from __future__ import annotations

from datetime import date

from assemblee_cli.usecases.remind import next_working_day

BASE = {"ASSEMBLEE_SMTP_HOTE": "smtp.exemple.org", "ASSEMBLEE_LISTE": "liste@exemple.org"}


def test_next_working_day_skips_weekends_and_holidays() -> None:
    holidays = {date(2026, 11, 11)}
    assert next_working_day(date(2026, 11, 27), holidays) == date(2026, 11, 30)  # Friday → Monday
    assert next_working_day(date(2026, 11, 10), holidays) == date(2026, 11, 12)  # 11 Nov off
    assert next_working_day(date(2026, 11, 25), holidays) == date(2026, 11, 26)
