"""One reverse-chronological timeline per customer, assembled from sources that apps register.

The customers app never imports the apps that contribute (orders, privacy, later service,
marketing, loyalty …): each registers a ``TimelineSource`` in its ``AppConfig.ready``. A page is
read with keyset pagination: every source fetches at most ``limit + 1`` rows older than the
cursor through its ``(customer, -time, -id)`` index, the rows are merged, and the page holds
one query per source however many events the customer has.
"""

import base64
import heapq
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime


@dataclass(frozen=True)
class TimelineEvent:
    occurred_at: datetime
    source: str
    pk: int
    kind: str  # short css/icon key, e.g. "order"
    title: str
    lines: tuple[str, ...] = ()
    actor: str = ""
    url: str = ""
    url_label: str = ""

    @property
    def sort_key(self):
        return (self.occurred_at, self.source, self.pk)


@dataclass(frozen=True)
class TimelineSource:
    key: str  # stable, also the tie-break between events at the same instant
    queryset: Callable[[int], QuerySet]  # customer id -> rows of that customer
    render: Callable[[list, bool], Iterable[TimelineEvent]]  # (rows, pii_visible) -> events
    time_field: str = "occurred_at"
    label: str = field(default="", compare=False)


_SOURCES: dict[str, TimelineSource] = {}


def register(source: TimelineSource) -> None:
    _SOURCES[source.key] = source


def sources() -> list[TimelineSource]:
    return [_SOURCES[k] for k in sorted(_SOURCES)]


@dataclass(frozen=True)
class Cursor:
    occurred_at: datetime
    source: str
    pk: int

    def encode(self) -> str:
        raw = json.dumps([self.occurred_at.isoformat(), self.source, self.pk])
        return base64.urlsafe_b64encode(raw.encode()).decode()

    @classmethod
    def decode(cls, token: str | None) -> "Cursor | None":
        if not token:
            return None
        try:
            at, source, pk = json.loads(base64.urlsafe_b64decode(token.encode()))
            parsed = parse_datetime(at)
            if parsed is None:
                return None
            return cls(parsed, str(source), int(pk))
        except (ValueError, TypeError):
            return None


def _older_than(source: TimelineSource, cursor: Cursor) -> Q:
    t = source.time_field
    if source.key < cursor.source:
        return Q(**{f"{t}__lte": cursor.occurred_at})
    if source.key > cursor.source:
        return Q(**{f"{t}__lt": cursor.occurred_at})
    return Q(**{f"{t}__lt": cursor.occurred_at}) | Q(**{t: cursor.occurred_at, "pk__lt": cursor.pk})


@dataclass
class TimelinePage:
    events: list[TimelineEvent]
    next_cursor: str | None


def timeline_page(customer_id: int, *, cursor: str | None = None, limit: int = 25,
                  pii_visible: bool = False, only: Iterable[str] | None = None) -> TimelinePage:
    after = Cursor.decode(cursor)
    wanted = set(only) if only else None
    streams = []
    for source in sources():
        if wanted is not None and source.key not in wanted:
            continue
        qs = source.queryset(customer_id)
        if after is not None:
            qs = qs.filter(_older_than(source, after))
        rows = list(qs.order_by(f"-{source.time_field}", "-pk")[: limit + 1])
        streams.append(list(source.render(rows, pii_visible)))
    merged = heapq.merge(*streams, key=lambda e: e.sort_key, reverse=True)
    events = [e for _, e in zip(range(limit + 1), merged, strict=False)]
    has_more = len(events) > limit
    events = events[:limit]
    next_cursor = None
    if has_more and events:
        last = events[-1]
        next_cursor = Cursor(last.occurred_at, last.source, last.pk).encode()
    return TimelinePage(events, next_cursor)
