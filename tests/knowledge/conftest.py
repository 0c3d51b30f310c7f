"""Knowledge base fixtures: a user per role and articles written through the services."""

import pytest

from kehu.knowledge import services


@pytest.fixture
def manager(make_user, team):
    return make_user("manager", team=team, is_manager=True, username="editor.wang")


@pytest.fixture
def agent(make_user):
    return make_user("service", username="agent.li")


@pytest.fixture
def marketer(make_user):
    return make_user("marketing", username="market.zhao")


@pytest.fixture
def write(manager):
    """write(title_en=…, body_en=…, …, publish=True): an article by the manager (public by default)."""

    def make(*, publish=True, actor=None, **data):
        data.setdefault("visibility", "public")
        if not any(data.get(f"title_{s}") for s in ("en", "zh_hans", "zh_hant")):
            data.setdefault("title_en", "Untitled")
        for lang in ("en", "zh_hans", "zh_hant"):
            if data.get(f"title_{lang}") and not data.get(f"body_{lang}"):
                data[f"body_{lang}"] = "<p>Text.</p>"
        return services.create_article(actor or manager, publish=publish, **data)

    return make
