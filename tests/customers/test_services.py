"""The write path: validation, optimistic locking, normalisation and audit."""

import pytest
from django.core.exceptions import ValidationError

from kehu.customers import services
from kehu.customers.models import ChannelIdentity, Customer, CustomFieldDefinition
from kehu.customers.normalize import normalize_email, normalize_phone
from kehu.privacy.models import AuditEntry


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("0086 13812345678", "+8613812345678"),
        ("１３８１２３４５６７８", "+8613812345678"),  # full-width digits from a Chinese IME
        ("010 6552 9988", "+861065529988"),  # Beijing landline
        ("+1 (415) 555-2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+852 6123 4567", "+85261234567"),
    ],
)
def test_phone_numbers_normalise_to_e164(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "138123456789999", "phone", "+86 000"])
def test_invalid_phone_numbers_are_rejected(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_phone(raw)
    assert exc.value.code == "invalid_phone"


def test_email_is_lower_cased_and_trimmed():
    assert normalize_email("  Li.Na@Example.COM ") == "li.na@example.com"
    with pytest.raises(ValidationError):
        normalize_email("not-an-email")


def test_create_customer_builds_display_name_and_identities(rep):
    customer = services.create_customer(
        rep, kind="person", family_name="欧阳", given_name="娜娜",
        identities=[{"channel": "phone", "value": "139 0000 1111", "is_primary": True},
                    {"channel": "email", "value": "NaNa@Example.com"}],
    )
    assert customer.display_name == "欧阳娜娜"
    assert customer.owner == rep
    assert customer.version == 1
    assert sorted(customer.identities.values_list("channel", "normalized")) == [
        ("email", "nana@example.com"), ("phone", "+8613900001111")]


def test_latin_names_read_given_first(rep):
    customer = services.create_customer(rep, kind="person", family_name="Smith", given_name="Anna")
    assert customer.display_name == "Anna Smith"


def test_one_phone_cannot_belong_to_two_customers(rep, make_customer):
    make_customer(rep, phone="13812345678")
    other = make_customer(rep)
    with pytest.raises(ValidationError) as exc:
        services.add_identity(rep, other, channel="phone", value="+86 138-1234-5678")
    assert "already recorded for another customer" in exc.value.message_dict["value"][0]
    assert ChannelIdentity.objects.filter(normalized="+8613812345678").count() == 1


def test_create_is_atomic_when_an_identity_is_bad(rep):
    with pytest.raises(ValidationError) as exc:
        services.create_customer(rep, kind="person", family_name="李", given_name="雷",
                                 identities=[{"channel": "phone", "value": "12"}])
    assert list(exc.value.message_dict) == ["identities.0.phone"]
    assert Customer.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_update_writes_audit_with_old_and_new_values(rep, make_customer):
    customer = make_customer(rep, lifecycle_stage="prospect")
    updated = services.update_customer(rep, customer, expected_version=1, lifecycle_stage="active")
    assert updated.version == 2
    entry = AuditEntry.objects.filter(action="update").get()
    assert entry.actor == rep
    assert entry.customer_id == customer.pk
    assert entry.changes == {"lifecycle_stage": ["prospect", "active"]}


def test_stale_save_is_refused_and_changes_nothing(rep, make_customer):
    customer = make_customer(rep, display_name="Original")
    services.update_customer(rep, customer, expected_version=1, display_name="First edit")
    with pytest.raises(services.StaleVersion) as exc:
        services.update_customer(rep, customer, expected_version=1, display_name="Second edit")
    assert exc.value.current_version == 2
    assert "changed by someone else" in str(exc.value)
    customer.refresh_from_db()
    assert customer.display_name == "First edit"
    assert customer.version == 2
    assert AuditEntry.objects.filter(action="update").count() == 1


def test_update_validates_choices(rep, make_customer):
    customer = make_customer(rep)
    with pytest.raises(ValidationError) as exc:
        services.update_customer(rep, customer, expected_version=1, lifecycle_stage="zombie")
    assert "lifecycle_stage" in exc.value.message_dict
    customer.refresh_from_db()
    assert customer.lifecycle_stage == "prospect"


@pytest.fixture
def schema(db):
    CustomFieldDefinition.objects.create(key="birthday", type="date", label_en="Birthday", label_zh="生日")
    CustomFieldDefinition.objects.create(key="shoe_size", type="integer", label_en="Shoe size")
    CustomFieldDefinition.objects.create(key="channel_pref", type="choice", label_en="Preferred channel",
                                         choices=["wechat", "phone"], required=True)


def test_custom_fields_are_validated_and_coerced(rep, schema):
    customer = services.create_customer(rep, kind="person", family_name="赵", given_name="敏",
                                        custom_fields={"birthday": "1990-02-03", "shoe_size": "38",
                                                       "channel_pref": "wechat"})
    assert customer.custom_fields == {"birthday": "1990-02-03", "shoe_size": 38, "channel_pref": "wechat"}


def test_bad_custom_field_values_name_the_field(rep, schema):
    with pytest.raises(ValidationError) as exc:
        services.create_customer(rep, kind="person", family_name="赵", given_name="敏",
                                 custom_fields={"birthday": "yesterday", "shoe_size": "forty",
                                                "colour": "red"})
    errors = exc.value.message_dict
    assert set(errors) == {"custom_fields.birthday", "custom_fields.shoe_size",
                           "custom_fields.channel_pref", "custom_fields.colour"}
    assert "Birthday must be a date" in errors["custom_fields.birthday"][0]
    assert "'yesterday'" in errors["custom_fields.birthday"][0]
    assert errors["custom_fields.channel_pref"] == ["This field is required."]
    assert Customer.objects.count() == 0


def test_tags_are_created_and_audited(rep, make_customer):
    customer = make_customer(rep)
    services.set_tags(rep, customer, ["VIP", "北京", "VIP "])
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "北京"]
    assert AuditEntry.objects.filter(changes__has_key="tags").count() == 1


def test_only_one_primary_contact(rep, make_customer):
    from kehu.customers.models import Contact

    org = make_customer(rep, kind="organisation", legal_name="华夏科技有限公司", family_name="", given_name="")
    first = services.save_contact(rep, Contact(customer=org), name="张三", is_primary=True, phone="13800000001")
    second = services.save_contact(rep, Contact(customer=org), name="李四", is_primary=True)
    first.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)
    assert first.phone == "+8613800000001"
    assert org.display_name == "华夏科技有限公司"
