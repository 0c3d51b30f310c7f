"""Who may see which surveys, invitations and responses.

Survey definitions are not about any customer: whoever has ``surveys.view_survey`` (or may see
results) sees them. Invitations and responses are about a customer, so they are scoped with
``kehu.customers.access.customer_scope_for``: a sales rep sees the answers of the customers they
may see, and a response of anyone else is a 404, the same as a missing one.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from kehu.customers.access import customer_scope_for
from kehu.surveys.models import Invitation, Response, Survey

VIEW_SURVEY = "surveys.view_survey"
BUILD = "surveys.change_survey"
ADD = "surveys.add_survey"
VIEW_RESULTS = "surveys.view_results"
SEND = "surveys.send_survey"
SEND_SEGMENT = "surveys.send_to_segment"
VIEW_INVITATIONS = "surveys.view_invitation"
MARK_SMS_SENT = "surveys.change_invitation"


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_view_surveys(user) -> bool:
    return _active(user) and (user.has_perm(VIEW_SURVEY) or user.has_perm(VIEW_RESULTS))


def can_build(user) -> bool:
    return _active(user) and user.has_perm(BUILD) and user.has_perm(ADD)


def can_view_results(user) -> bool:
    return _active(user) and user.has_perm(VIEW_RESULTS)


def can_send(user) -> bool:
    return _active(user) and user.has_perm(SEND)


def can_send_to_segment(user) -> bool:
    return can_send(user) and user.has_perm(SEND_SEGMENT)


def check(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def access_survey(user, survey_id, *, for_change: bool = False) -> Survey:
    """One survey for ``user`` (404 when missing; PermissionDenied without the right)."""
    check(can_build(user) if for_change else can_view_surveys(user))
    try:
        return Survey.objects.get(pk=survey_id)
    except (Survey.DoesNotExist, ValueError, TypeError):
        raise Http404("No survey matches the given query.") from None


def response_scope(user) -> Q:
    """Responses of the customers ``user`` sees (nothing without the results permission)."""
    if not can_view_results(user):
        return Q(pk__in=[])
    return customer_scope_for(user, "customer__")


def answer_scope(user) -> Q:
    if not can_view_results(user):
        return Q(pk__in=[])
    return customer_scope_for(user, "response__customer__")


def invitation_scope(user) -> Q:
    if not (can_view_results(user) or can_send(user)):
        return Q(pk__in=[])
    return customer_scope_for(user, "customer__")


def visible_responses(user) -> QuerySet[Response]:
    return Response.objects.filter(response_scope(user))


def visible_invitations(user) -> QuerySet[Invitation]:
    return Invitation.objects.filter(invitation_scope(user))


def access_response(user, response_id) -> Response:
    """One response ``user`` may see, or a 404 (an invisible customer's answer looks missing)."""
    try:
        return (visible_responses(user).select_related("survey", "customer", "invitation")
                .get(pk=response_id))
    except (Response.DoesNotExist, ValueError, TypeError):
        raise Http404("No response matches the given query.") from None
