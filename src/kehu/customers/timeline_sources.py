from django.utils.translation import gettext_lazy

from kehu.customers.models import Interaction
from kehu.customers.timeline import TimelineEvent, TimelineSource, register


def _interactions(customer_id):
    return Interaction.objects.filter(customer_id=customer_id).select_related("user")


def _render_interactions(rows, pii_visible):
    for row in rows:
        lines = [f"{row.get_channel_display()} · {row.get_direction_display()}"]
        if row.notes:
            lines.append(row.notes[:300])
        yield TimelineEvent(
            occurred_at=row.occurred_at, source="customers.interaction", pk=row.pk,
            kind="interaction", title=f"{row.get_type_display()}: {row.subject}",
            lines=tuple(lines), actor=row.user.get_username() if row.user else "",
        )


register(TimelineSource("customers.interaction", _interactions, _render_interactions,
                        label=gettext_lazy("Interactions")))
