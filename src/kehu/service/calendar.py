"""The service centre's business calendar: SLA clocks run only while it is open.

Working days follow China's official calendar (``chinese_calendar``: public holidays off, the
make-up working days on weekends — 调休 — on) as far as it is published; beyond that, and where the
official calendar is switched off, Monday to Friday. ``Holiday`` rows override single days, so a
company holiday or next year's schedule (once the State Council publishes it, before the library
knows it) is one row in the admin. Times are the local time of ``settings.TIME_ZONE``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import chinese_calendar
from django.utils import timezone


@dataclass
class Calendar:
    start: dt.time = dt.time(9)
    end: dt.time = dt.time(18)
    saturday: bool = False
    sunday: bool = False
    official: bool = True
    overrides: dict[dt.date, bool] = field(default_factory=dict)  # date → is a working day

    @classmethod
    def load(cls) -> Calendar:
        from kehu.service.models import BusinessHours, Holiday

        hours = BusinessHours.objects.first() or BusinessHours()
        return cls(start=_time(hours.start), end=_time(hours.end), saturday=hours.saturday, sunday=hours.sunday,
                   official=hours.official_holidays,
                   overrides=dict(Holiday.objects.values_list("date", "is_workday")))

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        weekend_open = (day.weekday() == 5 and self.saturday) or (day.weekday() == 6 and self.sunday)
        if self.official:
            try:
                if chinese_calendar.is_workday(day):
                    return True
                # a weekend the centre opens on, unless it is a public holiday
                return weekend_open and not chinese_calendar.get_holiday_detail(day)[1]
            except NotImplementedError:  # a year the library does not know yet
                pass
        return day.weekday() < 5 or weekend_open

    def day_minutes(self) -> int:
        return max(0, (_minutes(self.end) - _minutes(self.start)))

    def add(self, moment: dt.datetime, minutes: int) -> dt.datetime:
        """The moment ``minutes`` of opening time after ``moment`` (aware in, aware out)."""
        local = timezone.localtime(moment)
        day, clock = local.date(), _minutes(local.time()) + local.second / 60
        remaining = float(minutes)
        for _ in range(3660):  # ten years of days: a policy is never that long
            if self.is_workday(day):
                opened = max(clock, _minutes(self.start))
                available = _minutes(self.end) - opened
                if available > 0 and remaining <= available:
                    at = opened + remaining
                    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=at)
                    return timezone.make_aware(naive)
                remaining -= max(0.0, available)
            day, clock = day + dt.timedelta(days=1), 0.0
        raise ValueError("the business calendar has no opening hours")

    def minutes_between(self, a: dt.datetime, b: dt.datetime) -> float:
        """Opening minutes from ``a`` to ``b`` (0 if b ≤ a)."""
        if b <= a:
            return 0.0
        la, lb = timezone.localtime(a), timezone.localtime(b)
        total, day = 0.0, la.date()
        while day <= lb.date():
            if self.is_workday(day):
                lo = _minutes(self.start)
                hi = _minutes(self.end)
                if day == la.date():
                    lo = max(lo, _minutes(la.time()) + la.second / 60)
                if day == lb.date():
                    hi = min(hi, _minutes(lb.time()) + lb.second / 60)
                total += max(0.0, hi - lo)
            day += dt.timedelta(days=1)
        return total


def add_minutes(moment: dt.datetime, minutes: int, *, business: bool, calendar: Calendar | None = None
                ) -> dt.datetime:
    if not business:
        return moment + dt.timedelta(minutes=minutes)
    return (calendar or Calendar.load()).add(moment, minutes)


def _time(value) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


def _minutes(t: dt.time) -> float:
    return t.hour * 60 + t.minute + t.second / 60
