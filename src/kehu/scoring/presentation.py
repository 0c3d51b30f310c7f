"""Words for the numbers: segment, tier and loyalty labels and sentences, in the user's language.

The analytics library carries English and Chinese text of its own for analysts; the web app uses
these gettext messages instead so zh-Hans and zh-Hant follow Django's catalogs like every string.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

SEGMENTS = {
    "champions": (_("Champions"), _("Bought recently, buy often and spend the most. Reward them, ask "
                                    "for reviews and referrals, give early access to new products.")),
    "loyal": (_("Loyal"), _("Buy regularly and respond to offers. Upsell higher-value products and "
                            "invite them to the membership programme.")),
    "potential_loyalist": (_("Potential loyalist"), _("Recent customers with average frequency. Offer "
                                                      "membership or loyalty points to build the habit.")),
    "new": (pgettext_lazy("RFM segment", "New"), _("Bought for the first time recently (or not yet). "
                                                   "Welcome them and help them succeed with the first purchase.")),
    "promising": (_("Promising"), _("Recent shoppers who have not spent much yet. Build brand awareness; "
                                     "offer free trials or samples.")),
    "need_attention": (_("Need attention"), _("Above-average recency, frequency and spend, but slipping. "
                                              "Make limited-time offers based on their purchase history.")),
    "about_to_sleep": (_("About to sleep"), _("Below average and fading. Share popular products and "
                                              "renewal discounts to reconnect.")),
    "at_risk": (_("At risk"), _("Spent a lot and bought often, but long ago. Send personal messages "
                                "and renewal offers; find out what went wrong.")),
    "cant_lose": (_("Can't lose them"), _("Once the biggest and most frequent buyers, now silent. Win "
                                          "them back personally; don't lose them to a competitor.")),
    "hibernating": (_("Hibernating"), _("Low spenders who last bought long ago. Offer relevant products "
                                        "and special discounts; keep costs low.")),
    "lost": (_("Lost"), _("Lowest recency, frequency and spend, or never bought. Try a win-back "
                          "campaign once, otherwise spend nothing more.")),
}

TIER_METHODS = {
    "A": _("VIP club and a dedicated key-account manager."),
    "B": _("Key-account management and priority service."),
    "C": _("Standard service; campaigns to move them up a tier."),
    "D": _("Low-cost self-service; an upgrade path or a lower cost to serve."),
}

LOYALTY = {
    "true": (_("True loyalty"), _("Buys again and likes us: keep them delighted and ask for referrals.")),
    "latent": (_("Latent loyalty"), _("Likes us but buys little: remove the obstacles (price, access, "
                                      "range) that stop them buying more.")),
    "spurious": (_("Spurious loyalty"), _("Buys out of habit or for price, with little attachment: easy to "
                                          "poach. Build attachment through service, membership and "
                                          "personal contact.")),
    "none": (_("No loyalty"), _("Neither buys again nor feels attached: serve at low cost or let go.")),
    "unknown": (_("Attitude not yet measured"), _("Repeat buying is known; satisfaction survey answers are "
                                                  "needed to tell true from spurious loyalty.")),
}


def segment_choices() -> list[tuple[str, str]]:
    return [(key, label) for key, (label, _advice) in SEGMENTS.items()]


def segment_label(key: str) -> str:
    return str(SEGMENTS[key][0]) if key in SEGMENTS else key


def alive_sentence(p_alive: float | None) -> str:
    """P(alive) as words a sales rep acts on."""
    from django.utils.translation import gettext

    if p_alive is None:
        return gettext("No purchases yet, so no activity estimate.")
    percent = round(100 * p_alive)
    if p_alive >= 0.7:
        return gettext("Likely still active: %(percent)s%%") % {"percent": percent}
    if p_alive >= 0.3:
        return gettext("May have lapsed: %(percent)s%% chance still active") % {"percent": percent}
    return gettext("Probably lost: %(percent)s%% chance still active") % {"percent": percent}
