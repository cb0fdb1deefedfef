"""Calendar days in an explicit time zone: a report date is a day where the report is read."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import UserError

# The longest window a report may load; exploration (explore.load_range) reads longer ranges.
MAX_WINDOW_DAYS = 366

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# git stores commit dates as seconds since 1970: no day before it has commits, and days near year 1
# overflow the window's arithmetic.
EARLIEST_DAY = date(1970, 1, 1)


def machine_tz() -> str:
    """The machine's IANA time zone, the one ``git log --date=local`` shows dates in: ``$TZ`` (a name,
    ``:name`` or a zoneinfo file), else the system's zone; UTC where neither names a known zone (as the C
    library reads an unknown ``$TZ``)."""
    value = os.environ.get("TZ")
    if value is not None:
        name = value.removeprefix(":")
        if "zoneinfo/" in name:  # TZ=/usr/share/zoneinfo/Europe/Berlin
            name = name.rsplit("zoneinfo/", 1)[1]
        return name if _known_zone(name) else "UTC"
    try:
        import tzlocal

        name = tzlocal.get_localzone_name()
    except Exception:  # noqa: BLE001 - tzlocal raises for a damaged system configuration: UTC, as the C library
        return "UTC"
    return name if name and _known_zone(name) else "UTC"


def _known_zone(name: str) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def resolve_tz(name: str | None) -> ZoneInfo:
    """The IANA time zone ``name`` (None: the machine's, :func:`machine_tz`), or a UserError naming it."""
    if name is None:
        name = machine_tz()
    if not isinstance(name, str) or not _known_zone(name):
        raise UserError(f"unknown time zone {name!r}: use an IANA name such as 'Asia/Shanghai' or 'UTC'")
    return ZoneInfo(name)


def today_in(tz: ZoneInfo, now: datetime | None = None) -> date:
    """Today's date in ``tz``."""
    return (now or datetime.now(tz)).astimezone(tz).date()


def parse_date(value: str | date | None, tz: ZoneInfo, *, now: datetime | None = None) -> date | None:
    """Parse ``YYYY-MM-DD``, ``today`` or ``yesterday`` (in ``tz``); None stays None (= latest day), and an
    empty string is an invalid date, never the default."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        day = value
    else:
        text = str(value).strip().lower()
        today = today_in(tz, now)
        if text == "today":
            day = today
        elif text == "yesterday":
            day = today - timedelta(days=1)
        elif _ISO_DAY.match(text):
            try:
                day = date.fromisoformat(text)
            except ValueError:
                raise UserError(f"invalid date {value!r}: no such day") from None
        else:
            raise UserError(f"invalid date {value!r}: expected YYYY-MM-DD, 'today' or 'yesterday'")
    if day > today_in(tz, now):
        raise UserError(f"date {day.isoformat()} is in the future in {tz.key}")
    if day < EARLIEST_DAY:
        raise UserError(f"date {day.isoformat()} is out of range: git's dates start on {EARLIEST_DAY.isoformat()}")
    return day


def check_days(value: int | str, what: str = "window_days", limit: int = MAX_WINDOW_DAYS) -> int:
    """A day count between 1 and ``limit`` (default MAX_WINDOW_DAYS), or a UserError."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise UserError(f"{what} must be a whole number of days, not {value!r}") from None
    if not 1 <= days <= limit:
        raise UserError(f"{what} must be between 1 and {limit} days, not {days}")
    return days


@dataclass(frozen=True)
class Window:
    """``days`` calendar days in ``tz`` ending on ``last_day`` (inclusive)."""

    last_day: date
    days: int
    tz: ZoneInfo

    # cached: a long load asks each of its commits whether a window holds it
    @cached_property
    def first_day(self) -> date:
        return self.last_day - timedelta(days=self.days - 1)

    @cached_property
    def start(self) -> datetime:
        """First instant of the window (inclusive)."""
        return datetime.combine(self.first_day, time(0), self.tz)

    @cached_property
    def end(self) -> datetime:
        """First instant after the window (exclusive)."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), self.tz)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def day_list(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range(self.days)]


# A report's period: one day, or a rollup of the week or the month that ends on the report's date.
PERIODS = ("day", "week", "month")


def check_period(period: str) -> str:
    """``period`` when it is one of ``PERIODS``, else a UserError."""
    if period not in PERIODS:
        raise UserError(f"unknown period {period!r}: use one of {', '.join(PERIODS)}")
    return period


def period_window(period: str, last_day: date, tz: ZoneInfo) -> Window:
    """The days of ``period`` ending on ``last_day``: ``day`` is that day, ``week`` the 7 days ending on
    it, ``month`` its calendar month up to it."""
    return Window(last_day, {"day": 1, "week": 7, "month": last_day.day}[check_period(period)], tz)


def previous_window(period: str, window: Window) -> Window:
    """The period before ``window``: the day or the 7 days before it, or the whole calendar month before
    a month."""
    last = window.first_day - timedelta(days=1)
    return Window(last, last.day, window.tz) if period == "month" else Window(last, window.days, window.tz)


def period_folder(period: str, last_day: date) -> str:
    """The report folder's name: ``YYYY-MM-DD`` (a day), ``week-YYYY-MM-DD`` (its last day), ``month-YYYY-MM``."""
    if check_period(period) == "week":
        return f"week-{last_day.isoformat()}"
    if period == "month":
        return f"month-{last_day.strftime('%Y-%m')}"
    return last_day.isoformat()
