"""Stage history under concurrent drags: two people drag the same card at the same time, both from
the version their board showed. Exactly one move happens, the other gets the stale message, and
the history holds one row for it.

On PostgreSQL these are real concurrent transactions on two connections (``transaction=True``:
each thread commits for real); SQLite serialises writers (IMMEDIATE transactions), so there the
sequential case in ``test_pipeline.py`` is what can be shown.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from kehu.sales import pipeline as services
from kehu.sales.models import Opportunity, PipelineStage, StageChange

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="real concurrent transactions need PostgreSQL"),
]


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database()")
        return cursor.fetchone()[0]


def _in_thread(target, *args):
    """Run ``target`` on its own connection; returns (thread, result dict)."""
    result = {}

    def run():
        try:
            result["value"] = target(*args)
        except Exception as exc:  # noqa: BLE001 - the test inspects what happened
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_the_second_drag_waits_for_the_first_and_is_refused(people, make_opportunity, stages, stage_codes):
    opp = make_opportunity(people.rep)
    first_moved, let_first_commit = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            fresh = Opportunity.objects.get(pk=opp.pk)
            moved = services.move_stage(people.rep, fresh, PipelineStage.objects.get(pk=stages.needs.pk),
                                        expected_version=1)
            first_moved.set()
            assert let_first_commit.wait(10)  # hold the row lock until the second drag is waiting on it
        return moved

    def second():
        fresh = Opportunity.objects.get(pk=opp.pk)  # the version the second board showed: 1
        return services.move_stage(people.mate, fresh, PipelineStage.objects.get(pk=stages.proposal.pk),
                                   expected_version=1)

    a, result_a = _in_thread(first)
    assert first_moved.wait(10)
    b, result_b = _in_thread(second)
    deadline = time.monotonic() + 10
    while _waiting_on_a_lock() < 1:  # the second drag is blocked on the row lock, not failed
        assert time.monotonic() < deadline, "the second move never waited for the row lock"
        time.sleep(0.02)
    assert "value" not in result_b and "error" not in result_b
    let_first_commit.set()
    a.join(10)
    b.join(10)

    assert result_a["value"].stage_id == stages.needs.pk
    assert isinstance(result_b.get("error"), services.StaleOpportunity), result_b
    assert "changed by someone else meanwhile, now at “Needs analysis”" in str(result_b["error"])
    opp.refresh_from_db()
    assert (opp.stage_id, opp.version) == (stages.needs.pk, 2)
    assert stage_codes(opp) == [(None, "prospecting"), ("prospecting", "needs")]


@pytest.mark.parametrize("rounds", [8])
def test_simultaneous_drags_exactly_one_wins(people, make_opportunity, stages, rounds):
    """Both threads released by a barrier at once, round after round, to the same or different stages."""
    for i in range(rounds):
        opp = make_opportunity(people.rep, name=f"并发{i}")
        targets = [stages.needs.pk, stages.needs.pk if i % 2 else stages.proposal.pk]
        barrier = threading.Barrier(2)

        def drag(user, stage_pk, opp_pk=opp.pk, barrier=barrier):
            fresh = Opportunity.objects.get(pk=opp_pk)
            stage = PipelineStage.objects.get(pk=stage_pk)
            barrier.wait(10)
            return services.move_stage(user, fresh, stage, expected_version=1)

        runs = [_in_thread(drag, user, target) for user, target in zip((people.rep, people.mate), targets,
                                                                          strict=True)]
        for thread, _result in runs:
            thread.join(20)
        outcomes = [result for _thread, result in runs]
        winners = [r["value"] for r in outcomes if "value" in r]
        losers = [r["error"] for r in outcomes if "error" in r]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert isinstance(losers[0], services.StaleOpportunity)
        opp.refresh_from_db()
        assert (opp.stage_id, opp.version) == (winners[0].stage_id, 2)
        assert StageChange.objects.filter(opportunity=opp, from_stage__isnull=False).count() == 1
