"""The knowledge permissions each role holds (accounts.roles), exactly."""

import pytest

READ = {"view_article", "view_category", "view_tag"}
EDIT = READ | {"add_article", "change_article", "publish_article", "add_category", "change_category",
               "add_tag", "change_tag"}


@pytest.mark.parametrize("role, expected", [
    ("service", READ), ("sales", READ), ("marketing", READ), ("manager", EDIT),
])
def test_role_holds_exactly_these_knowledge_permissions(make_user, role, expected):
    user = make_user(role)
    assert {p.split(".", 1)[1] for p in user.get_all_permissions() if p.startswith("knowledge.")} == expected


def test_admins_hold_every_knowledge_permission(admin):
    assert admin.has_perm("knowledge.publish_article") and admin.has_perm("knowledge.delete_article")
