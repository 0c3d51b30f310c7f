"""Record visibility and PII masking, role by role (the one choke point)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from kehu.customers import services
from kehu.customers.access import access_customer, visible_customers
from kehu.privacy.masking import can_view_pii, mask_email, mask_id_number, mask_phone


@pytest.fixture
def world(make_user, make_customer, team, other_team):
    """East: manager + two reps; West: one rep. Customers owned by each rep."""
    people = {
        "admin": make_user("admin"),
        "east_manager": make_user("manager", team=team, is_manager=True),
        "east_rep": make_user("sales", team=team),
        "east_rep2": make_user("sales", team=team),
        "west_rep": make_user("sales", team=other_team),
        "service": make_user("service"),
        "marketing": make_user("marketing"),
    }
    customers = {
        "east1": make_customer(people["east_rep"], team=team),
        "east2": make_customer(people["east_rep2"], team=team),
        "west": make_customer(people["west_rep"], team=other_team),
    }
    return people, customers


def _visible(user, customers):
    ids = set(visible_customers(user).values_list("pk", flat=True))
    return {name for name, c in customers.items() if c.pk in ids}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", {"east1", "east2", "west"}),
        ("east_manager", {"east1", "east2"}),
        ("east_rep", {"east1"}),
        ("west_rep", {"west"}),
        ("service", {"east1", "east2", "west"}),
        ("marketing", {"east1", "east2", "west"}),
    ],
)
def test_visibility_by_role(world, who, expected):
    people, customers = world
    assert _visible(people[who], customers) == expected


def test_sharing_with_a_team_makes_the_customer_visible(world, other_team):
    people, customers = world
    assert "east1" not in _visible(people["west_rep"], customers)
    services.share_customer(people["admin"], customers["east1"], other_team)
    assert _visible(people["west_rep"], customers) == {"west", "east1"}


def test_invisible_customer_is_a_404_like_a_missing_one(world):
    people, customers = world
    with pytest.raises(Http404):
        access_customer(people["west_rep"], customers["east1"].pk)
    with pytest.raises(Http404):
        access_customer(people["west_rep"], 999999)
    assert access_customer(people["east_rep"], customers["east1"].pk) == customers["east1"]


def test_marketing_can_see_but_not_change(world):
    people, customers = world
    assert access_customer(people["marketing"], customers["west"].pk)
    with pytest.raises(PermissionDenied):
        access_customer(people["marketing"], customers["west"].pk, for_change=True)


@pytest.mark.parametrize(
    ("who", "sees_pii"),
    [("admin", True), ("east_manager", True), ("east_rep", True), ("service", True), ("marketing", False)],
)
def test_pii_permission_by_role(world, who, sees_pii):
    people, _ = world
    assert can_view_pii(people[who]) is sees_pii


def test_masks():
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("+14155552671") == "141****2671"
    assert mask_email("li.na@example.com") == "l***@example.com"
    assert mask_id_number("110101199003074518") == "110***********4518"
