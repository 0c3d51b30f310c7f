"""Kehu's zh format modules (kehu.formats) and Babel money formatting.

Django's stock zh formats print 1234567.89 without a thousands separator and cannot read the
dates Chinese users type (2026年11月22日, 2026/11/22); FORMAT_MODULE_PATH puts ours first.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.utils import formats, translation

from kehu.web.money import format_money

CHINESE = ["zh-hans", "zh-hant"]
VALUE = Decimal("1234567.89")


@pytest.fixture
def thousand_separator(settings):
    settings.USE_THOUSAND_SEPARATOR = True


@pytest.mark.parametrize("language", CHINESE)
def test_kehu_format_module_is_used(language):
    module = language.replace("zh-hans", "zh_Hans").replace("zh-hant", "zh_Hant")
    names = [m.__name__ for m in formats.get_format_modules(language)]
    assert names[0] == f"kehu.formats.{module}.formats"
    assert formats.get_format("THOUSAND_SEPARATOR", language) == ","
    assert formats.get_format("NUMBER_GROUPING", language) == 3


@pytest.mark.parametrize("language", CHINESE)
def test_number_format_groups_thousands(language):
    with translation.override(language):
        assert formats.number_format(VALUE, decimal_pos=2, use_l10n=True,
                                     force_grouping=True) == "1,234,567.89"


@pytest.mark.parametrize("language", CHINESE)
def test_template_prints_grouped_numbers(language, thousand_separator):
    context = Context({"value": VALUE})
    with translation.override(language):
        assert Template("{% load l10n %}{{ value }}").render(context) == "1,234,567.89"
        assert Template("{% load l10n %}{{ value|localize }}").render(context) == "1,234,567.89"
        assert Template("{% load kehu %}{{ value|num }}").render(context) == "1,234,567.89"


@pytest.mark.parametrize("language", CHINESE)
@pytest.mark.parametrize("typed", ["2026年11月22日", "2026/11/22", "2026-11-22"])
def test_date_field_reads_chinese_dates(language, typed):
    with translation.override(language):
        assert forms.DateField().clean(typed) == date(2026, 11, 22)


@pytest.mark.parametrize("language", CHINESE)
@pytest.mark.parametrize("typed", ["2026年13月40日", "2026年2月30日", "22/11/2026"])
def test_date_field_rejects_impossible_dates(language, typed):
    with translation.override(language), pytest.raises(forms.ValidationError):
        forms.DateField().clean(typed)


@pytest.mark.parametrize("language", CHINESE)
@pytest.mark.parametrize("typed", ["2026年11月22日 14:30", "2026/11/22 14:30", "2026-11-22 14:30"])
def test_datetime_field_reads_chinese_datetimes(language, typed):
    with translation.override(language):
        value = forms.DateTimeField().clean(typed)
    assert value == datetime(2026, 11, 22, 14, 30, tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.mark.parametrize("language", CHINESE)
def test_dates_display_in_chinese(language):
    day = date(2026, 11, 22)
    moment = datetime(2026, 11, 22, 14, 30, tzinfo=ZoneInfo(settings.TIME_ZONE))
    with translation.override(language):
        assert formats.date_format(day) == "2026年11月22日"
        assert formats.date_format(day, "DATE_FORMAT") == "2026年11月22日"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "2026年11月22日 14:30"
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "2026-11-22"
        assert Template("{{ day|date }}").render(Context({"day": day})) == "2026年11月22日"
        assert Template("{{ day }}").render(Context({"day": day})) == "2026年11月22日"


def test_english_keeps_django_formats():
    with translation.override("en"):
        assert formats.date_format(date(2026, 11, 22)) == "Nov. 22, 2026"
        with pytest.raises(forms.ValidationError):
            forms.DateField().clean("2026年11月22日")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "¥1,234.50"),  # CLDR zh_Hans_CN: the yuan is the local currency
        ("zh-hant", "CN¥1,234.50"),  # CLDR zh_Hant_HK: the yuan is foreign there
        ("en", "CN¥1,234.50"),
    ],
)
def test_format_money(language, expected):
    assert format_money(Decimal("1234.5"), "CNY", language) == expected


def test_format_money_follows_the_active_language():
    with translation.override("zh-hans"):
        assert format_money(Decimal("1234.5"), "CNY") == "¥1,234.50"
    assert format_money(None, "CNY", "zh-hans") == ""


@pytest.mark.django_db
def test_ids_print_plain_and_figures_grouped_in_every_language(admin_client):
    """Ids go into HTML ids, form values and URLs: grouped ("1,234") they break selection, htmx
    targets and links once a table passes 999 rows. Figures people read are grouped by |num."""
    from kehu.customers.models import Customer

    customer = Customer.objects.create(pk=123456, kind="person", display_name="王大伟")
    for language in ("en", "zh-hans"):
        with translation.override(language):
            html = Template("{% load kehu %}{{ c.pk }} {{ 1234567|num }}").render(Context({"c": customer}))
        assert html.startswith("123456 ") and ("1,234,567" in html), html
    page = admin_client.get("/customers/").content.decode()
    assert 'value="123456"' in page and "123,456" not in page
