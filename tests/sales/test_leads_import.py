"""Importing leads with the import engine: Chinese (and English) headers are recognised, sources
are read by code or by name in either language, and every bad row is reported with its row, field
and reason while the good ones are imported — by the wizard's services and by ``kehu import``."""

import csv

import pytest
from django.core.management import call_command

from kehu.imports import engine, fields, mapping, services
from kehu.imports.models import ImportJob
from kehu.imports.undo import undo
from kehu.privacy.models import AuditEntry
from kehu.sales.models import Lead

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "公司", "手机", "邮箱", "来源", "活动", "负责人", "介绍人手机", "备注"]


def _csv(tmp_path, rows, header=HEADER, encoding="utf-8-sig"):
    path = tmp_path / "leads.csv"
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _errors(job) -> list[list[str]]:
    with open(job.error_path, encoding="utf-8-sig") as f:
        return list(csv.reader(f))[1:]


def test_chinese_headers_are_suggested():
    target = fields.targets()["leads"]
    suggested = mapping.suggest(HEADER + ["微信", "地区", "职位"], target)
    assert suggested == {"姓名": "name", "公司": "company", "手机": "phone", "邮箱": "email", "来源": "source",
                         "活动": "campaign", "负责人": "owner", "介绍人手机": "referrer_phone", "备注": "notes",
                         "微信": "wechat", "地区": "region", "职位": "job_title"}
    english = mapping.suggest(["Name", "Mobile", "E-mail", "Lead source", "Campaign", "Owner"], target)
    assert english == {"Name": "name", "Mobile": "phone", "E-mail": "email", "Lead source": "source",
                       "Campaign": "campaign", "Owner": "owner"}
    assert mapping.validate_mapping({"姓名": "name"}, target) == ["Map a column to “lead source (code or name)”: "
                                                                 "it is required."]


def test_a_file_of_leads_with_bad_rows(tmp_path, rep, make_user, other_team, make_customer):
    introducer = make_customer(rep, family_name="张", given_name="伟", phone="13900000001")
    stranger = make_user("sales", team=other_team, username="li.xiaoshou")
    make_customer(stranger, phone="13900000002")  # a customer this rep may not see
    rows = [
        ["刘洋", "西湖科技", "138 1234 5678", "Liu@Example.com", "电话探寻", "春季展", "", "", "要报价"],  # 2 ok
        ["周敏", "", "13912345678", "", "連鎖介紹", "", "", "13900000001", ""],  # 3 ok: referral, traditional label
        ["陈杰", "", "12345", "", "trade_show", "", "", "", ""],  # 4 bad phone
        ["赵丽", "", "", "", "传单", "", "", "", ""],  # 5 unknown source
        ["孙强", "", "", "sun@example.com", "Chain referral", "", "", "", ""],  # 6 referral without referrer
        ["吴芳", "", "", "wu@example.com", "online", "", "nobody", "", ""],  # 7 unknown owner
        ["郑伟", "", "13812345678", "", "Online", "", "", "", ""],  # 8 same phone as row 2
        ["何静", "", "", "he@example.com", "referral", "", "", "13900000002", ""],  # 9 invisible referrer
        ["", "", "13700000000", "", "online", "", "", "", ""],  # 10 no name
        ["王芳", "", "", "wang@example.com", "SMS", "双十一短信", "li.xiaoshou", "", ""],  # 11 ok, other owner
    ]
    job = services.create_job(rep, "leads", _csv(tmp_path, rows), "leads.csv")
    services.configure(job, job.mapping, "", "skip", "create")
    engine.run(job)
    job.refresh_from_db()
    assert job.status == "done" and job.counts == {"created": 3, "invalid": 7}
    by_name = {lead.name: lead for lead in Lead.objects.select_related("source", "owner")}
    assert sorted(by_name) == ["刘洋", "周敏", "王芳"]
    liu = by_name["刘洋"]
    assert (liu.phone_normalized, liu.email_normalized, liu.source.code, liu.campaign, liu.owner, liu.company) == (
        "+8613812345678", "liu@example.com", "telephone", "春季展", rep, "西湖科技")
    assert (by_name["周敏"].source.code, by_name["周敏"].referrer_customer) == ("referral", introducer)
    assert (by_name["王芳"].source.code, by_name["王芳"].owner) == ("sms", stranger)
    errors = _errors(job)
    reasons = {row[0]: row[-1] for row in errors}  # the error file: the original row + the reason
    assert reasons == {
        "陈杰": "手机: not a phone number (12345)",
        "赵丽": "来源: no lead source with this code or name (传单)",
        "孙强": "来源: a referral: give the referrer's phone or email (Chain referral)",
        "吴芳": "负责人: no user with this name or email (nobody)",
        "郑伟": "phone: the same phone as row 2 (+8613812345678)",  # the engine's in-file check names the field
        "何静": "介绍人手机: no customer you can see has this phone (+8613900000002)",
        "": "姓名: name is required",
    }
    # one audit entry per lead, naming the import
    entries = AuditEntry.objects.filter(object_type="sales.lead", action="create")
    assert entries.count() == 3 and all(e.changes["import"] == [None, job.pk] for e in entries)
    assert entries.filter(object_id=str(liu.pk)).get().changes["phone_normalized"] == [None, "+8613812345678"]


def test_the_dry_run_counts_and_the_import_can_be_undone(tmp_path, rep):
    rows = [["刘洋", "", "13812345678", "", "online", "", "", "", ""],
            ["周敏", "", "bad", "", "online", "", "", "", ""]]
    job = services.create_job(rep, "leads", _csv(tmp_path, rows), "leads.csv")
    services.configure(job, job.mapping, "", "skip", "create")
    engine.check(job)
    job.refresh_from_db()
    assert (job.summary["create"], job.summary["invalid"]) == (1, 1) and not Lead.objects.exists()
    job.status = ImportJob.Status.CHECKED
    engine.run(job)
    assert Lead.objects.count() == 1
    job.refresh_from_db()
    assert undo(job, rep) == {"restored": 0, "removed": 1}
    assert not Lead.objects.exists()


def test_the_command_imports_leads_in_gb18030(tmp_path, admin, capsys):
    rows = [["刘洋", "", "13812345678", "", "会议寻找", "广交会", "", "", ""]]
    call_command("import", "leads", str(_csv(tmp_path, rows, encoding="gb18030")), "--user", admin.username)
    lead = Lead.objects.get()
    assert (lead.source.code, lead.campaign, lead.owner) == ("trade_show", "广交会", admin)
    assert "来源 → source" in capsys.readouterr().out


def test_sources_by_their_everyday_names(tmp_path, admin, make_customer):
    """Spreadsheets say 展会, 转介绍, KOL, 網路 rather than the seed's labels; a label still wins."""
    make_customer(admin, phone="13900009999")
    rows = [["陈先生", "", "13900001111", "", "展会", "", "", "", ""],
            ["王总", "", "13900003333", "", "转介绍", "", "", "13900009999", ""],
            ["赵女士", "", "13900004444", "", "KOL", "", "", "13900009999", ""],
            ["林先生", "", "13900005555", "", "網路", "", "", "", ""],
            ["周先生", "", "13900006666", "", "抖音大V", "", "", "", ""]]
    job = services.create_job(admin, "leads", _csv(tmp_path, rows), "leads.csv")
    services.configure(job, job.mapping, "", "skip", "create")
    engine.check(job)
    job.status = ImportJob.Status.CHECKED
    engine.run(job)
    assert dict(Lead.objects.values_list("name", "source__code")) == {
        "陈先生": "trade_show", "王总": "referral", "赵女士": "key_opinion", "林先生": "online"}
    (bad,) = _errors(job)
    assert bad[0] == "周先生" and "no lead source with this code or name" in bad[-1]


def test_only_users_who_may_add_leads_may_import_them(make_user, rep):
    assert services.may_import(rep, "leads")
    assert not services.may_import(make_user("marketing"), "leads")
    assert not services.may_import(make_user("service"), "leads")
    assert "leads" in [t.name for t in services.allowed_targets(rep)]
