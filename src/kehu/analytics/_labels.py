"""Bilingual labels for the keys the segmentation functions return (RFM segments, pyramid tiers,
loyalty classes), shared so the dashboard can render any of them the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Label:
    """What a segment key means and what to do about it, in English and Simplified Chinese."""

    key: str
    name_en: str
    name_zh: str
    advice_en: str
    advice_zh: str


def label_table(*labels: Label) -> Mapping[str, Label]:
    """A read-only, ordered ``key → Label`` mapping (read-only: it is module-level shared state)."""
    table = {label.key: label for label in labels}
    if len(table) != len(labels):
        raise ValueError("duplicate label keys")
    return MappingProxyType(table)
