"""The Chinese catalogs are complete, keep their placeholders, and the committed .mo match the .po.

When one of these fails after a template or model change: run `make messages`, add the new
msgids to scripts/translate_catalogs.py, run it, then compilemessages (see that script's doc).
"""

import gettext
import io
import os
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.utils import translation

from kehu.customers.models import Customer

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
SOURCE_DIR = LOCALE_DIR.parent
LOCALES = [translation.to_locale(code) for code, _name in settings.LANGUAGES if code != "en"]
DOMAINS = ["django", "djangojs"]

# Python %-format placeholders as gettext's python-format check sees them; "%%" is a literal %.
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")
JS_GETTEXT = re.compile(r"\b(?:gettext|ngettext|pgettext|npgettext|gettext_noop)\s*\(")


def _js_has_strings() -> bool:
    return any(JS_GETTEXT.search(path.read_text(encoding="utf-8"))
               for path in SOURCE_DIR.rglob("*.js") if "vendor" not in path.parts)


def _catalog_params():
    # makemessages -d djangojs writes no catalog while Kehu's JavaScript has no gettext() calls;
    # as soon as it has, both djangojs catalogs are required like the django ones.
    js_required = _js_has_strings()
    for locale in LOCALES:
        for domain in DOMAINS:
            po = LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"
            if domain == "djangojs" and not js_required and not po.exists():
                continue
            yield pytest.param(locale, domain, id=f"{locale}-{domain}")


CATALOGS = list(_catalog_params())


def _read_po(locale, domain):
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"{path} is missing: run `make messages` and scripts/translate_catalogs.py"
    with path.open("rb") as f:
        return read_po(f, locale=locale, domain=domain)


def _strings(message):
    return message.string if message.pluralizable else (message.string,)


def _placeholders(text):
    named, positional = set(), []
    for match in PLACEHOLDER.finditer(text):
        name, conversion = match.groups()
        if conversion == "%":
            continue
        if name is None:
            positional.append(match.group(0))
        else:
            named.add(match.group(0))
    return sorted(named), positional


def _drops_only_the_count(got, expected):
    """zh has one plural form: its msgstr may leave out one named placeholder (the count)."""
    missing = set(expected[0]) - set(got[0])
    return set(got[0]) <= set(expected[0]) and len(missing) <= 1 and got[1] == expected[1]


def test_every_chinese_language_has_a_catalog():
    assert LOCALES == ["zh_Hans", "zh_Hant"]
    assert {(p.values[0], p.values[1]) for p in CATALOGS} >= {
        ("zh_Hans", "django"), ("zh_Hant", "django")}


@pytest.mark.parametrize(("locale", "domain"), CATALOGS)
def test_every_message_is_translated_and_none_is_fuzzy(locale, domain):
    catalog = _read_po(locale, domain)
    messages = [m for m in catalog if m.id]
    if domain == "django":
        assert len(messages) > 100
    untranslated = [m.id for m in messages if not all(_strings(m))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not untranslated, f"{locale}/{domain}: untranslated {untranslated}"
    assert not fuzzy, f"{locale}/{domain}: fuzzy {fuzzy}"
    assert not catalog.fuzzy, "the header is still makemessages' fuzzy template"
    assert str(catalog.locale_identifier) == locale
    assert catalog.num_plurals == 1


@pytest.mark.parametrize(("locale", "domain"), CATALOGS)
def test_placeholders_are_kept(locale, domain):
    catalog = _read_po(locale, domain)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[-1] if message.pluralizable else message.id
        expected = _placeholders(msgid)
        for text in _strings(message):
            got = _placeholders(text)
            if got != expected and not (message.pluralizable and _drops_only_the_count(got, expected)):
                wrong.append((message.id, text, got, expected))
    assert not wrong


@pytest.mark.parametrize(("locale", "domain"), CATALOGS)
def test_committed_mo_matches_po(locale, domain):
    catalog = _read_po(locale, domain)
    mo_path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.mo"
    assert mo_path.exists(), f"{mo_path} is missing: run compilemessages"
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    expected = gettext.GNUTranslations(buffer)
    with mo_path.open("rb") as f:
        committed = gettext.GNUTranslations(f)
    # Contents, not bytes: msgfmt and Babel write the header and the hash table differently.
    want = {k: v for k, v in expected._catalog.items() if k != ""}
    have = {k: v for k, v in committed._catalog.items() if k != ""}
    stale = {k: (have.get(k), v) for k, v in want.items() if have.get(k) != v}
    extra = sorted(map(str, set(have) - set(want)))
    assert not stale and not extra, (
        f"{mo_path} is out of date, run compilemessages: differ {stale}, not in .po {extra}")
    assert "nplurals=1" in committed.info().get("plural-forms", "")
    assert committed.info().get("content-type", "").lower().endswith("charset=utf-8")


CHOICE_LABELS = [
    (Customer.Stage.AT_RISK, "有流失风险", "有流失風險"),
    (Customer.Stage.PROSPECT, "潜在客户", "潛在客戶"),
    (Customer.Stage.WON_BACK, "已挽回", "已挽回"),
    (Customer.Tier.A, "A · VIP客户", "A · VIP客戶"),
    (Customer.Nature.GOVERNMENT, "政府机构及非盈利机构", "政府機構及非營利機構"),
    (Customer.Source.REFERRAL, "连锁介绍", "連鎖介紹"),
]


@pytest.mark.parametrize(("choice", "hans", "hant"), CHOICE_LABELS,
                         ids=[str(choice.value) for choice, _h, _t in CHOICE_LABELS])
def test_model_choice_labels_are_translated(choice, hans, hant):
    with translation.override("zh-hans"):
        assert str(choice.label) == hans
    with translation.override("zh-hant"):
        assert str(choice.label) == hant
    with translation.override("en"):
        assert str(choice.label) not in (hans, hant)


# Labels that read the same in every language.
SAME_IN_EVERY_LANGUAGE = {"API", "SKU"}


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant"])
def test_every_model_choice_label_is_translated(language):
    untranslated = []
    for model in apps.get_models():
        if not model.__module__.startswith("kehu."):
            continue
        for field in model._meta.get_fields():
            for _value, label in getattr(field, "flatchoices", None) or []:
                with translation.override("en"):
                    english = str(label)
                with translation.override(language):
                    translated = str(label)
                if translated == english and english not in SAME_IN_EVERY_LANGUAGE:
                    untranslated.append(f"{model._meta.label}.{field.name}: {english}")
    assert not untranslated


PAGES = {
    "zh-hans": {"heading": "<h1>客户</h1>", "stage": "有流失风险", "bulk": "已选择 %s 项",
                "nav": "退出登录"},
    "zh-hant": {"heading": "<h1>客戶</h1>", "stage": "有流失風險", "bulk": "已選取 %s 項",
                "nav": "登出"},
}


@pytest.mark.parametrize("via", ["cookie", "accept-language"])
@pytest.mark.parametrize("language", ["zh-hans", "zh-hant"])
def test_customer_list_renders_in_chinese(client, admin, make_customer, language, via):
    make_customer(admin, display_name="王小明", lifecycle_stage="at_risk")
    client.force_login(admin)
    if via == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get("/customers/")
    else:
        response = client.get("/customers/", headers={"accept-language": f"{language},en;q=0.5"})
    assert response.status_code == 200
    assert response["Content-Language"] == language
    page = response.content.decode()
    expected = PAGES[language]
    assert f'<html lang="{language}">' in page
    assert ("客户" if language == "zh-hans" else "客戶") in page
    assert expected["heading"] in page
    assert expected["stage"] in page
    assert f'data-template="{expected["bulk"]}"' in page
    assert expected["nav"] in page
    assert "王小明" in page
    assert "<h1>Customers</h1>" not in page
    assert "At risk" not in page


def test_customer_list_stays_english_without_a_preference(client, admin):
    client.force_login(admin)
    page = client.get("/customers/", headers={"accept-language": "en"}).content.decode()
    assert "<h1>Customers</h1>" in page
    assert 'data-template="%s selected"' in page


@pytest.mark.skipif(not shutil.which("xgettext"), reason="makemessages needs gettext (CI installs it)")
def test_every_string_in_the_source_is_in_the_catalogs(tmp_path):
    """makemessages over the source finds no msgid the committed catalogs lack: a new string
    without `make messages` and a translation would reach Chinese users in English."""
    import shutil as sh
    import subprocess
    import sys

    tree = tmp_path / "kehu"
    sh.copytree(SOURCE_DIR, tree, ignore=sh.ignore_patterns("__pycache__", "*.mo", "static", "node_modules"))
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-location",
                    "--no-obsolete"], cwd=tree, check=True, capture_output=True,
                   env={**os.environ, "DJANGO_SETTINGS_MODULE": "kehu.settings"})
    with (tree / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").open("rb") as f:
        extracted = {m.id if not m.pluralizable else m.id[0] for m in read_po(f) if m.id}
    committed = {m.id if not m.pluralizable else m.id[0] for m in _read_po("zh_Hans", "django") if m.id}
    assert not extracted - committed, "run `make messages` and translate: " + repr(sorted(extracted - committed))
