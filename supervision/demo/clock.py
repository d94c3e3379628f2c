"""Moments of simulated days, for the "recorded at" fields that the services set to "now"."""

import datetime
import random

from django.utils import timezone


class Clock:
    """Moments in office hours of simulated days, never after the (real or simulated) present."""

    def __init__(self, today: datetime.date, rng: random.Random):
        self.rng = rng
        self.tz = timezone.get_current_timezone()
        end_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time(18)), self.tz)
        self.latest = min(timezone.now(), end_of_today)

    def at(self, day: datetime.date) -> datetime.datetime:
        opens = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8)), self.tz)
        closes = min(opens + datetime.timedelta(hours=10), self.latest)
        if closes <= opens:
            return closes
        return opens + datetime.timedelta(seconds=self.rng.randint(0, int((closes - opens).total_seconds())))

    def sequence(self, days) -> list[datetime.datetime]:
        """One moment per day, strictly increasing (moves of one day keep their order)."""
        stamps = []
        for day in days:
            stamp = self.at(day)
            if stamps and stamp <= stamps[-1]:
                stamp = stamps[-1] + datetime.timedelta(seconds=self.rng.randint(1, 300))
            stamps.append(stamp)
        return stamps
