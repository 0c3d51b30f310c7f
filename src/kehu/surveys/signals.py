"""The surveys app's two signals: the one place other apps and this one meet without importing
each other (the surveys app never imports ``kehu.service``, and the service app only listens).

``case_closed`` — sent by the service app when a case closes. The surveys app listens
(``invitations.on_case_closed``, connected in ``SurveysConfig.ready``) and invites the customer
to the active "after case closure" survey, if there is one. Keyword arguments:

    case_id      int   the closed case
    customer_id  int   its customer
    owner_id     int | None   the agent who owned the case
    language     str   the customer's language ("en", "zh-hans", "zh-hant"; "" for the survey's default)

``detractor_answered`` — sent by the surveys app after a response with NPS ≤ 6 or CSAT ≤ 2 is
saved (after commit). The service app opens a follow-up for the customer's owner. Keyword
arguments:

    response_id  int   the ``surveys.Response``
    customer_id  int
    owner_id     int | None   the customer's owner (``Customer.owner``)
    score        int   the NPS answer (0–10) when it makes the response a detractor, else the CSAT
                       answer (1–5)
    comment      str   the response's free-text answers, joined ("" when there are none)
    metric       str   "nps" or "csat": the scale of ``score``

Receivers must accept ``**kwargs`` (Django's rule), so further arguments can be added.
"""

from django.dispatch import Signal

case_closed = Signal()
detractor_answered = Signal()
