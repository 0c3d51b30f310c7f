"""What the service app does when other apps report something."""

from django.utils.translation import gettext as _

from kehu.service.models import FollowUp
from kehu.service.services import open_follow_up


def follow_up_detractor(sender, *, response_id, customer_id, owner_id, score, comment="", **kwargs):
    """A detractor answered a survey: the customer's owner calls them back."""
    open_follow_up(customer_id=customer_id, owner_id=owner_id, source=FollowUp.Source.SURVEY,
                   title=_("Call back: unhappy survey answer (score %(score)s)") % {"score": score},
                   detail=comment or "")
