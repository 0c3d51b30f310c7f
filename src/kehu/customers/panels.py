"""Panels other apps add to the customer page (scoring: the value card; sales: opportunities,
activities, referrals).

Like the timeline and the R series, the customers app imports none of them: an app registers a
``Panel`` in its ``AppConfig.ready``; the page loads each panel the user may see by htmx from the
app's own URL (which takes the customer's id and checks visibility itself), so a slow or failing
panel never holds up the customer file.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    key: str
    url_name: str  # reversed with the customer's id
    permission: str  # shown only to users with this permission
    position: int = 100


_PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    _PANELS[panel.key] = panel


def panels_for(user) -> list[Panel]:
    return sorted((p for p in _PANELS.values() if user.has_perm(p.permission)), key=lambda p: (p.position, p.key))
