"""/api/v1/knowledge-articles/: read-only, searchable, scoped like the pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

URL = "/api/v1/knowledge-articles/"


@pytest.fixture
def articles(write):
    return {
        "public": write(title_en="Refund policy", title_zh_hans="退款政策", tags=["refund"], topics=["price"]),
        "internal": write(title_en="Refund checklist", title_zh_hans="退款清单", visibility="internal"),
        "draft": write(title_en="Refund draft", publish=False),
    }


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_search_ranks_and_readers_see_internal_articles(api, agent, articles):
    found = ids(api(agent).get(URL, {"search": "退款"}))
    assert set(found) == {articles["public"].pk, articles["internal"].pk}
    row = api(agent).get(URL, {"search": "refund policy"}).json()["results"][0]
    assert row["id"] == articles["public"].pk
    assert (row["title_zh_hans"], row["tags"], row["topics"], row["languages"]) == (
        "退款政策", ["refund"], ["price"], ["en", "zh-hans"])
    assert row["helped_count"] is None  # counts are for editors


def test_a_token_without_the_view_permission_reads_public_articles_only(make_user, articles):
    integration = make_user("sales")
    integration.groups.clear()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=integration).key}")
    assert ids(client.get(URL, {"search": "refund"})) == [articles["public"].pk]
    assert client.get(f"{URL}{articles['internal'].pk}/").status_code == 404
    assert client.get(f"{URL}{articles['public'].pk}/").status_code == 200


def test_editors_see_drafts_and_counts(api, manager, articles):
    found = ids(api(manager).get(URL))
    assert articles["draft"].pk in found
    assert api(manager).get(f"{URL}{articles['public'].pk}/").json()["helped_count"] == 0


def test_anonymous_callers_are_refused_and_nothing_is_writable(api, manager, articles):
    assert APIClient().get(URL).status_code == 401
    response = api(manager).post(URL, {"title_en": "x"}, format="json")
    assert response.status_code == 405


def test_list_has_constant_queries(api, agent, write):
    client = api(agent)
    write(title_en="Refund 0", tags=["a"], topics=["price"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, {"search": "refund"}).status_code == 200
        return len(ctx.captured_queries)

    count()
    before = count()
    for i in range(10):
        write(title_en=f"Refund {i}", tags=[f"t{i}", "x"], topics=["price", "billing"])
    assert count() == before


def test_the_schema_documents_the_search_parameter(client):
    schema = client.get("/api/schema/?format=json").json()
    params = {p["name"] for p in schema["paths"]["/api/v1/knowledge-articles/"]["get"]["parameters"]}
    assert {"search", "category", "topic", "tag"} <= params
