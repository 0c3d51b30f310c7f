"""The R series of the customer information file: how the customer responded to what the company
did (CONCEPTS §1) — complaint outcomes, survey answers, later campaign responses.

Like the timeline, the customers app imports none of the contributing apps: each registers a
``ResponseSource`` in its ``AppConfig.ready``. The R tab shows, per source, a short summary (e.g.
"3 complaints, 1 unresolved"; "NPS 9 last time") and its newest responses, one query each.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Response:
    at: datetime
    kind: str  # short css/icon key: "complaint", "survey" …
    title: str  # what the company did: "Complaint C-2026-000012", "After-sales card"
    outcome: str  # how the customer responded: "satisfied", "NPS 9 (promoter)", "rejected the refund"
    url: str = ""
    good: bool | None = None  # positive / negative / neutral, for the badge


@dataclass(frozen=True)
class ResponseSource:
    key: str
    label: str  # lazy translation: the section's heading
    summary: Callable[[int], str]  # customer id -> one line ("" when nothing yet)
    recent: Callable[[int, int], list[Response]]  # (customer id, limit) -> newest first


_SOURCES: dict[str, ResponseSource] = {}


def register(source: ResponseSource) -> None:
    _SOURCES[source.key] = source


def sources() -> list[ResponseSource]:
    return [_SOURCES[k] for k in sorted(_SOURCES)]


def sections(customer_id: int, limit: int = 10) -> list[dict]:
    """What the R tab shows: per source its label, summary and newest responses."""
    out = []
    for source in sources():
        rows = source.recent(customer_id, limit)
        summary = source.summary(customer_id)
        if rows or summary:
            out.append({"key": source.key, "label": source.label, "summary": summary, "responses": rows})
    return out
