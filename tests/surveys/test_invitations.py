"""Distribution: email over real SMTP, SMS for staff to send, the after-case signal, the daily
after-order run, segment sends with their counts, opt-outs, and the detractor signal."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from kehu.orders.models import Order
from kehu.privacy.models import AuditEntry
from kehu.privacy.services import record_consent
from kehu.surveys import answers, invitations, services
from kehu.surveys.models import BatchSend, Invitation
from kehu.surveys.signals import case_closed, detractor_answered
from tests.surveys.conftest import answer_data, token_in


@pytest.fixture
def clean_schedule():
    """The worker records started schedules in the (database) cache, which a transactional test
    does not roll back: leave it as it was found, for the other tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _text_and_html(message):
    parts = {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}
    return parts["text/plain"], parts["text/html"]


def test_an_email_invitation_arrives_with_its_link(manager, small_survey, make_customer, smtp_server, settings,
                                                   client, django_capture_on_commit_callbacks):
    settings.KEHU_PUBLIC_URL = "https://crm.example.com"
    customer = make_customer(manager, email="Wang.Li@Example.com")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invite_customer(manager, small_survey, customer.pk, channel="email", language="en")
    (message,) = smtp_server.to("wang.li@example.com")
    assert message["Subject"] == "How did we do?"
    text, html = _text_and_html(message)
    token = token_in(text)
    assert f"https://crm.example.com/surveys/r/{token}/" in text and f'href="https://crm.example.com/surveys/r/{token}/"' in html
    invitation.refresh_from_db()
    assert (invitation.status, invitation.sent_at is not None, invitation.sms_text) == ("sent", True, "")
    assert invitation.token_hash == invitations.token_hash(token)
    assert client.get(f"/surveys/r/{token}/").status_code == 200
    entry = AuditEntry.objects.get(object_type="surveys.invitation")
    assert (entry.actor_id, entry.customer_id, entry.changes["channel"]) == (manager.pk, customer.pk, [None, "email"])


def test_an_unreachable_mail_server_marks_the_invitation_not_delivered(manager, small_survey, make_customer, settings,
                                                                       django_capture_on_commit_callbacks):
    from tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    customer = make_customer(manager, email="nobody@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invite_customer(manager, small_survey, customer.pk, channel="email")
    invitation.refresh_from_db()
    assert invitation.status == "failed" and "ConnectionRefusedError" in invitation.error


def test_an_sms_invitation_waits_in_the_list_until_marked_sent(client, manager, agent, small_survey, make_customer):
    customer = make_customer(manager, phone="13800000501")
    invitation = invitations.invite_customer(agent, small_survey, customer.pk, channel="sms", language="zh-hans")
    assert invitation.status == "pending"
    token = token_in(invitation.sms_text)
    assert invitation.sms_text.startswith("我们做得怎么样？")
    client.force_login(agent)
    page = client.get("/surveys/sms/").content.decode()
    assert invitation.sms_text in page and "138 0000 0501" in page
    assert client.post("/surveys/sms/sent/", {"invitation": [invitation.pk]}).status_code == 302
    invitation.refresh_from_db()
    assert (invitation.status, invitation.sms_text) == ("sent", "")
    assert token not in client.get("/surveys/sms/").content.decode()
    assert AuditEntry.objects.filter(object_type="surveys.invitation", action="update", actor=agent).count() == 1


def test_marketers_see_the_sms_list_masked_and_cannot_mark_it(client, manager, marketer, small_survey, make_customer):
    customer = make_customer(manager, phone="13800000502")
    invitation = invitations.invite_customer(manager, small_survey, customer.pk, channel="sms")
    client.force_login(marketer)
    page = client.get("/surveys/sms/").content.decode()
    assert invitation.sms_text not in page and "138****0502" in page
    assert client.post("/surveys/sms/sent/", {"invitation": [invitation.pk]}).status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == "pending"


@pytest.mark.parametrize(("consents", "invited"), [
    ([], True),
    ([("email", False)], False),
    ([("any", False)], False),
    ([("any", False), ("email", True)], True),
    ([("sms", False)], True),
    ([("email", False), ("email", True)], True),  # the latest decision counts
])
def test_opt_outs_are_respected(manager, small_survey, make_customer, consents, invited):
    customer = make_customer(manager, email="x@example.com")
    for channel, granted in consents:
        record_consent(manager, customer, purpose="service", channel=channel, granted=granted, source="staff")
    record_consent(manager, customer, purpose="marketing", channel="email", granted=False, source="staff")
    if invited:
        assert invitations.invite_customer(manager, small_survey, customer.pk, channel="email")
    else:
        with pytest.raises(invitations.NotInvited) as err:
            invitations.invite_customer(manager, small_survey, customer.pk, channel="email")
        assert err.value.code == "opted_out"
    assert Invitation.objects.count() == int(invited)


def test_a_customer_without_an_address_for_the_channel_is_skipped(manager, small_survey, make_customer):
    customer = make_customer(manager, phone="13800000503")
    with pytest.raises(invitations.NotInvited) as err:
        invitations.invite_customer(manager, small_survey, customer.pk, channel="email")
    assert err.value.code == "no_contact"
    assert Invitation.objects.count() == 0


def test_a_rep_cannot_invite_a_customer_they_do_not_see(make_user, manager, small_survey, make_customer, agent):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    customer = make_customer(manager, phone="13800000504")
    with pytest.raises(PermissionDenied):  # sales reps do not send surveys
        invitations.invite_customer(make_user("sales"), small_survey, customer.pk, channel="sms")
    other_manager = make_user("manager")
    with pytest.raises(Http404):
        invitations.invite_customer(other_manager, small_survey, customer.pk, channel="sms")
    assert invitations.invite_customer(agent, small_survey, customer.pk, channel="sms")  # agents see everyone


# --- after a service case closes ------------------------------------------------------------------

@pytest.fixture
def after_case(manager):
    survey = services.create_from_template(manager, "after_sales")
    return services.set_active(manager, survey, True)


def test_a_closed_case_invites_the_customer_by_email(after_case, agent, manager, make_customer, smtp_server,
                                                    django_capture_on_commit_callbacks, client):
    customer = make_customer(manager, email="zhao@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        case_closed.send(sender=None, case_id=77, customer_id=customer.pk, owner_id=agent.pk, language="zh-hant")
    invitation = Invitation.objects.get()
    assert (invitation.survey_id, invitation.trigger, invitation.case_id, invitation.language, invitation.status) == (
        after_case.pk, "case_closed", 77, "zh-hant", "sent")
    (message,) = smtp_server.to("zhao@example.com")
    assert message["Subject"] == "售後服務卡"
    text, _html = _text_and_html(message)
    assert "感謝您購買我們的產品" in text
    page = client.get(f"/surveys/r/{token_in(text)}/")
    assert "準時：工程師按約定時間到達" in page.content.decode()
    # the same case closing again (reopened and closed) is not surveyed twice
    with django_capture_on_commit_callbacks(execute=True):
        case_closed.send(sender=None, case_id=77, customer_id=customer.pk, owner_id=agent.pk, language="")
    assert Invitation.objects.count() == 1 and len(smtp_server.messages) == 1


def test_no_active_after_case_survey_means_no_invitation(manager, agent, make_customer, small_survey):
    customer = make_customer(manager, email="a@example.com")
    case_closed.send(sender=None, case_id=1, customer_id=customer.pk, owner_id=agent.pk, language="en")
    assert Invitation.objects.count() == 0


def test_a_case_of_a_customer_who_opted_out_closes_quietly(after_case, agent, manager, make_customer):
    customer = make_customer(manager, email="b@example.com")
    record_consent(manager, customer, purpose="service", channel="email", granted=False, source="staff")
    results = case_closed.send(sender=None, case_id=2, customer_id=customer.pk, owner_id=agent.pk, language="en")
    assert [r for _receiver, r in results] == [None]
    case_closed.send(sender=None, case_id=3, customer_id=999999, owner_id=None, language="en")  # no such customer
    assert Invitation.objects.count() == 0


# --- after an order ------------------------------------------------------------------------------

def _order(customer, days_ago, now, status="completed"):
    return Order.objects.create(customer=customer, ordered_at=now - timedelta(days=days_ago, hours=1), status=status)


@pytest.mark.django_db(transaction=True)  # the worker runs the queue on its own connection state
def test_the_daily_run_invites_customers_whose_orders_are_n_days_old(manager, make_customer, smtp_server,
                                                                    clean_schedule):
    survey = services.create_from_template(manager, "restaurant")
    survey = services.update_survey(manager, survey, order_delay_days=7, channel="email")
    services.set_active(manager, survey, True)
    now = timezone.now()
    due = make_customer(manager, email="due@example.com")
    two_orders = make_customer(manager, email="two@example.com")
    too_new = make_customer(manager, email="new@example.com")
    too_old = make_customer(manager, email="old@example.com")
    cancelled = make_customer(manager, email="cancelled@example.com")
    no_email = make_customer(manager, phone="13800000601")
    due_order = _order(due, 7, now)
    _order(two_orders, 7, now)
    latest = _order(two_orders, 8, now)
    latest.ordered_at = now - timedelta(days=7, minutes=5)  # the newer of the two due orders
    latest.save()
    _order(too_new, 6, now)
    _order(too_old, 7 + invitations.CATCH_UP_DAYS + 1, now)
    _order(cancelled, 7, now, status="cancelled")
    _order(no_email, 8, now)

    (batch,) = invitations.invite_after_orders(now)
    assert (batch.kind, batch.matched, batch.invited, batch.skipped_no_contact) == ("order", 3, 2, 1)
    assert dict(Invitation.objects.values_list("customer_id", "order_id")) == {due.pk: due_order.pk,
                                                                             two_orders.pk: latest.pk}
    assert sorted(m.envelope_to[0] for m in smtp_server.messages) == ["due@example.com", "two@example.com"]
    # the next day: the order that was 6 days old is due; the two invited are not asked again (for
    # their order, nor for an older one); the customer without an email is looked at again while
    # their order is in the catch-up window
    (next_day,) = invitations.invite_after_orders(now + timedelta(days=1))
    assert (next_day.matched, next_day.invited, next_day.skipped_no_contact) == (2, 1, 1)
    assert Invitation.objects.filter(batch=next_day).get().customer_id == too_new.pk
    assert invitations.invite_after_orders(now + timedelta(days=invitations.CATCH_UP_DAYS + 1)) == []
    # the worker's task runs the same selection (through the django-tasks queue)
    fresh = make_customer(manager, email="fresh@example.com")
    _order(fresh, 7, timezone.now())
    from kehu.scoring import services as scoring
    from kehu.surveys.tasks import invite_after_orders

    scoring.save_settings(None, scoring.current_settings(), rescore_every_hours=0)
    invite_after_orders.enqueue()
    call_command("worker", once=True)
    assert Invitation.objects.filter(customer=fresh, trigger="order").count() == 1


def test_the_daily_run_is_on_the_workers_schedule(manager):
    from kehu import scheduling

    (job,) = [j for j in scheduling.jobs() if j.name == "surveys.after_order"]
    assert job.every == timedelta(days=1)
    assert not job.enabled()  # nothing to do without an active after-order survey
    services.set_active(manager, services.create_from_template(manager, "restaurant"), True)
    assert job.enabled()


def test_an_inactive_after_order_survey_sends_nothing(manager, make_customer):
    survey = services.create_from_template(manager, "restaurant")
    customer = make_customer(manager, phone="13800000602")
    _order(customer, survey.order_delay_days, timezone.now())
    assert invitations.invite_after_orders() == []
    assert not invitations.any_after_order_survey()


# --- segments ------------------------------------------------------------------------------------

@pytest.fixture
def segment(manager, make_customer):
    """Tier A: three reachable by email, one who refused service email, one without email; one tier B."""
    people = {"reachable": [make_customer(manager, email=f"a{i}@example.com", tier="A") for i in range(3)],
              "refused": make_customer(manager, email="no@example.com", tier="A"),
              "no_email": make_customer(manager, phone="13800000701", tier="A"),
              "other_tier": make_customer(manager, email="b@example.com", tier="B")}
    record_consent(manager, people["refused"], purpose="service", channel="email", granted=False, source="staff")
    return people


def test_a_segment_preview_counts_who_would_be_skipped(manager, small_survey, segment):
    preview = invitations.preview_segment(manager, {"tier": "A"}, "email")
    assert {k: preview[k] for k in ("matched", "opted_out", "no_contact", "reachable")} == {
        "matched": 5, "opted_out": 1, "no_contact": 1, "reachable": 3}
    assert invitations.preview_segment(manager, {"tier": "A"}, "sms")["reachable"] == 1


def test_a_segment_send_invites_and_counts(manager, small_survey, segment, smtp_server,
                                          django_capture_on_commit_callbacks):
    batch = invitations.send_to_segment(manager, small_survey, {"tier": "A", "page": "3"}, channel="email",
                                        language="en")
    assert (batch.status, batch.matched, batch.invited, batch.skipped_opted_out, batch.skipped_no_contact,
            batch.skipped_already) == ("done", 5, 3, 1, 1, 0)
    assert batch.filters == {"tier": "A"}
    assert sorted(m.envelope_to[0] for m in smtp_server.messages) == ["a0@example.com", "a1@example.com",
                                                                      "a2@example.com"]
    assert set(Invitation.objects.values_list("status", "trigger", "batch_id")) == {("sent", "segment", batch.pk)}
    again = invitations.send_to_segment(manager, small_survey, {"tier": "A"}, channel="email")
    assert (again.invited, again.skipped_already, again.skipped_opted_out, again.skipped_no_contact) == (0, 3, 1, 1)
    assert AuditEntry.objects.filter(object_type="surveys.batchsend").count() == 4  # created + done, twice


@pytest.mark.django_db(transaction=True)  # the job is queued on commit, then the worker runs it
def test_a_large_segment_goes_to_the_worker(manager, small_survey, segment, settings, smtp_server, clean_schedule):
    from kehu.scoring import services as scoring

    scoring.save_settings(None, scoring.current_settings(), rescore_every_hours=0)
    settings.KEHU_SURVEY_INLINE_SEND = 2
    batch = invitations.send_to_segment(manager, small_survey, {"tier": "A"}, channel="email")
    assert batch.status == "queued" and Invitation.objects.count() == 0
    call_command("worker", once=True)
    batch.refresh_from_db()
    assert (batch.status, batch.invited, batch.skipped_opted_out, batch.skipped_no_contact) == ("done", 3, 1, 1)
    assert len(smtp_server.messages) == 3


def test_segment_sends_chunk_their_customers(manager, small_survey, segment, monkeypatch):
    """Chunks of two: the counts still add up (keyset over customer ids)."""
    monkeypatch.setattr(invitations, "CHUNK_SIZE", 2)
    monkeypatch.setattr(invitations._chunks, "__defaults__", (2,))
    batch = invitations.send_to_segment(manager, small_survey, {"tier": "A"}, channel="sms")
    assert (batch.matched, batch.invited, batch.skipped_no_contact) == (5, 1, 4)


def test_a_segment_is_what_the_sender_may_see(make_user, team, small_survey, make_customer, manager):
    """A manager of another team sends to their own customers only, whatever the filters."""
    other = make_user("manager", is_manager=True)
    make_customer(manager, email="mine@example.com", tier="A")
    theirs = make_customer(other, email="theirs@example.com", tier="A")
    batch = invitations.send_to_segment(other, small_survey, {"tier": "A"}, channel="email")
    assert (batch.matched, batch.invited) == (1, 1)
    assert list(Invitation.objects.values_list("customer_id", flat=True)) == [theirs.pk]


@pytest.mark.parametrize("role", ["sales", "service"])
def test_only_managers_and_marketers_send_to_segments(make_user, small_survey, segment, role):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        invitations.send_to_segment(make_user(role), small_survey, {"tier": "A"}, channel="email")
    assert BatchSend.objects.count() == 0


def test_the_segment_page_previews_then_sends(client, marketer, small_survey, segment, smtp_server,
                                             django_capture_on_commit_callbacks):
    client.force_login(marketer)
    url = f"/surveys/{small_survey.pk}/segment/?tier=A&channel=email&language=en"
    page = client.get(url)
    html = page.content.decode()
    assert 'data-testid="matched">5<' in html and 'data-testid="reachable">3<' in html
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"channel": "email", "language": "en"})
    batch = BatchSend.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/surveys/sends/{batch.pk}/"
    assert 'data-testid="invited">3<' in client.get(sent["Location"]).content.decode()
    assert len(smtp_server.messages) == 3


# --- detractors ------------------------------------------------------------------------------------

@pytest.fixture
def heard():
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    detractor_answered.connect(receiver, dispatch_uid="test-detractor")
    yield calls
    detractor_answered.disconnect(dispatch_uid="test-detractor")


@pytest.mark.parametrize(("nps", "csat", "score", "metric"), [(3, 4, 3, "nps"), (9, 2, 2, "csat"), (6, 1, 6, "nps")])
def test_a_detractor_answer_is_announced(manager, rep, small_survey, make_customer, invite_sms, heard, nps, csat,
                                         score, metric, django_capture_on_commit_callbacks):
    customer = make_customer(rep, phone="13800000801")
    invitation, _token = invite_sms(manager, small_survey, customer)
    data = answer_data(small_survey, nps=nps, csat=csat, pair=(5, 1), choice="c2", text="排队太久")
    with django_capture_on_commit_callbacks(execute=True):
        response = answers.submit_response(invitation, data)
    assert [{k: v for k, v in call.items() if k != "signal"} for call in heard] == [{
        "response_id": response.pk, "customer_id": customer.pk, "owner_id": rep.pk, "score": score,
        "comment": "排队太久", "metric": metric}]


def test_a_happy_answer_is_not_announced(manager, small_survey, make_customer, invite_sms, heard,
                                         django_capture_on_commit_callbacks):
    invitation, _token = invite_sms(manager, small_survey, make_customer(manager, phone="13800000802"))
    with django_capture_on_commit_callbacks(execute=True):
        answers.submit_response(invitation, answer_data(small_survey, nps=7, csat=3, pair=(3, 3), choice="c1"))
    assert heard == []


def test_surveys_never_import_the_service_app():
    import ast
    from pathlib import Path

    import kehu.surveys

    imported = set()
    for path in Path(kehu.surveys.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert "kehu.customers.access" in imported  # the check sees imports
    assert not {m for m in imported if m == "kehu.service" or m.startswith("kehu.service.")}
