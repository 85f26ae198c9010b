"""Working days: Monday to Friday, but the district's holidays (weekdays off, 节假日) and with
its 调休 days (weekends worked in exchange). Pure: no database; ``selectors.district_calendar``
builds one from ``CalendarDay`` rows.

A count is linear in the number of calendar entries, not in the length of the period: the
weeks are counted at once, the entries adjust.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


def weekdays_between(start: datetime.date, end: datetime.date) -> int:
    """The days Monday–Friday after ``start`` up to and including ``end``."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if (start + datetime.timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


@dataclass(frozen=True)
class WorkCalendar:
    #: weekdays that are not worked (a holiday on a weekend changes nothing and is not listed)
    holidays: frozenset[datetime.date] = field(default_factory=frozenset)
    #: weekend days that are worked (调休上班)
    workdays: frozenset[datetime.date] = field(default_factory=frozenset)

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """The working days after ``start`` up to and including ``end``."""
        if end <= start:
            return 0
        count = weekdays_between(start, end)
        count -= sum(1 for day in self.holidays if start < day <= end and day.weekday() < 5)
        count += sum(1 for day in self.workdays if start < day <= end and day.weekday() >= 5)
        return count


#: Monday to Friday, no holidays: what a district without a calendar gets.
PLAIN = WorkCalendar()
