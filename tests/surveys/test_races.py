"""Two submissions of one link at the same moment, on a real server (PostgreSQL; SQLite
serialises writers anyway): one response is saved, the other is told the link was used."""

import threading

import pytest
from django.db import connection, connections

from kehu.surveys import answers
from kehu.surveys.models import Answer, Invitation, Response
from tests.surveys.conftest import answer_data


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_of_one_link_save_one_response(manager, small_survey, make_customer, invite_sms):
    if connection.vendor != "postgresql":
        pytest.skip("race test needs a server database; SQLite serialises writers")
    invitation, _token = invite_sms(manager, small_survey, make_customer(manager, phone="13800001101"))
    barrier = threading.Barrier(2)
    outcomes = []

    def submit(nps):
        try:
            stale = Invitation.objects.get(pk=invitation.pk)  # both read it unanswered
            barrier.wait()
            answers.submit_response(stale, answer_data(small_survey, nps=nps, csat=3, pair=(3, 3), choice="c1"))
            outcomes.append("saved")
        except answers.AlreadyAnswered:
            outcomes.append("already answered")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(n,)) for n in (2, 10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already answered", "saved"]
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 4
