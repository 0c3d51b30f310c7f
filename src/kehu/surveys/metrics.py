"""The satisfaction metrics' definitions, as plain arithmetic on counts (no Django).

The counts come from SQL aggregates (``kehu.surveys.results``); these functions only say what
the numbers mean, so the definitions live in one place and are tested on known answers.

- **NPS** (Net Promoter Score): on "how likely are you to recommend us" (0–10), promoters answer
  9–10, passives 7–8, detractors 0–6; NPS = % promoters − % detractors, from −100 to +100.
- **CSAT**: on "how satisfied are you" (1 very dissatisfied … 5 very satisfied), the share of
  answers 4 or 5, in %.
- **Gap** (SERVQUAL): for an expectation/perception pair on the same scale, the service-quality
  gap is perception − expectation (P − E); below zero the service fell short of what the customer
  expected. Per dimension it is the mean perception minus the mean expectation of its pairs.
- **Response rate**: answered invitations / invitations, in %.
"""

from __future__ import annotations

PROMOTER_MIN = 9
PASSIVE_MIN = 7
CSAT_GOOD_MIN = 4
DETRACTOR_NPS_MAX = 6  # NPS ≤ 6 …
DETRACTOR_CSAT_MAX = 2  # … or CSAT ≤ 2 makes a response a detractor (a follow-up is opened)


def percent(part: int, whole: int, digits: int = 1) -> float | None:
    """``part`` of ``whole`` in %, or None when there is nothing to divide by."""
    if not whole:
        return None
    return round(100.0 * part / whole, digits)


def nps(promoters: int, passives: int, detractors: int) -> float | None:
    """% promoters − % detractors of all NPS answers (None without answers)."""
    total = promoters + passives + detractors
    if not total:
        return None
    return round(100.0 * (promoters - detractors) / total, 1)


def nps_band(score: int | None) -> str | None:
    if score is None:
        return None
    if score >= PROMOTER_MIN:
        return "promoter"
    if score >= PASSIVE_MIN:
        return "passive"
    return "detractor"


def csat(satisfied: int, answers: int) -> float | None:
    """% of CSAT answers that are 4 or 5."""
    return percent(satisfied, answers)


def gap(expectation: float | None, perception: float | None) -> float | None:
    """Perception − expectation (SERVQUAL); negative means the service fell short."""
    if expectation is None or perception is None:
        return None
    return round(perception - expectation, 2)


def response_rate(answered: int, invited: int) -> float | None:
    return percent(answered, invited)


def is_detractor(nps_score: int | None, csat_score: int | None) -> bool:
    return (nps_score is not None and nps_score <= DETRACTOR_NPS_MAX) or (
        csat_score is not None and csat_score <= DETRACTOR_CSAT_MAX)
