"""File rows → typed values per field, and every problem with its row, column, value and reason."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kehu.imports import values
from kehu.imports.fields import Field, Target

CUSTOM = "custom:"
SEEN_LIMIT = 20_000  # distinct cells remembered per column
_UNSEEN = object()


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Row:
    number: int  # as the spreadsheet shows it (header = 1)
    cells: list  # the original cells, for the error file
    data: dict  # field key → parsed value (None: empty)


def custom_field(definition) -> Field:
    from kehu.imports import fields as f

    kinds = {"text": f.TEXT, "integer": f.INTEGER, "decimal": f.DECIMAL, "date": f.DATE,
             "boolean": f.BOOLEAN, "choice": f.CHOICE, "multi_choice": f.LIST}
    return Field(CUSTOM + definition.key, definition.label_en, kinds.get(definition.type, f.TEXT),
                 required=False, choices=tuple(definition.choices or ()))


class RowParser:
    """Parses rows of one file with one mapping ({header: field key})."""

    def __init__(self, target: Target, headers: list[str], mapping: dict, *, extra_fields=()):
        known = {f.key: f for f in (*target.fields, *extra_fields)}
        self.width = len(headers)
        self.columns = []  # (position, header, field)
        for pos, header in enumerate(headers):
            key = mapping.get(header)
            if key and key in known:
                self.columns.append((pos, header, known[key]))
        self.required = [f for f in known.values() if f.required]
        self.mapped = {f.key for _p, _h, f in self.columns}
        self.missing = [f for f in self.required if f.key not in self.mapped]
        # Per column, cell text → parsed value or its problem: dates, SKUs, cities, tiers and
        # customer references repeat down a column, and parsing is most of an import's time.
        self.seen: list[dict] = [{} for _ in self.columns]

    def parse(self, number: int, cells: list) -> tuple[Row, list[RowError]]:
        errors = []
        extra = [c for c in cells[self.width:] if c not in (None, "")]
        if extra:
            errors.append(RowError(number, "", "", _("the row has %(n)d cells, the header has %(m)d")
                                   % {"n": len(cells), "m": self.width}))
        data = {}
        for (pos, header, field), seen in zip(self.columns, self.seen, strict=True):
            raw = cells[pos] if pos < len(cells) else None
            parsed = seen.get(raw, _UNSEEN)
            if parsed is _UNSEEN:
                try:
                    parsed = values.parse(field, raw)
                except values.ValueProblem as exc:
                    parsed = exc
                if len(seen) >= SEEN_LIMIT:
                    seen.clear()
                seen[raw] = parsed
            if isinstance(parsed, values.ValueProblem):
                errors.append(RowError(number, header, _short(raw), str(parsed)))
                data[field.key] = None
                continue
            if isinstance(parsed, list):
                parsed = list(parsed)  # rows may change their lists (tags are trimmed in place)
            data[field.key] = parsed
            if parsed is None and field.required:
                errors.append(RowError(number, header, "", _("%(field)s is required") % {"field": field.label}))
        for field in self.missing:
            errors.append(RowError(number, "", "", _("%(field)s is required") % {"field": field.label}))
        return Row(number, cells, data), errors


def _short(raw) -> str:
    text = "" if raw is None else str(raw)
    return text if len(text) <= 200 else text[:200] + "…"
