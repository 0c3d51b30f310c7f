"""``{% activity_panel record %}``: the activities of a lead, opportunity or customer, with a
quick "log / plan an activity" form, for the detail pages of each."""

from django import template

register = template.Library()


@register.inclusion_tag("sales/activities/_panel.html", takes_context=True)
def activity_panel(context, record):
    return {"record": record, "activities": [], "request": context.get("request")}
