"""The kehu command, first-run admin, API tokens, role groups."""

import stat
import subprocess
import sys

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from rest_framework.authtoken.models import Token


def test_kehu_help_lists_the_commands():
    out = subprocess.run([sys.executable, "-m", "kehu.cli", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for command in ("serve", "demo", "migrate", "createadmin", "token", "setup"):
        assert f"  {command} " in out


def test_subcommand_help_works():
    out = subprocess.run([sys.executable, "-m", "kehu.cli", "createadmin", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "generated password" in out


def test_createadmin_prints_the_password_once_and_saves_it_private(db, settings, tmp_path, capsys):
    settings.DATA_DIR = tmp_path
    call_command("createadmin")
    first = capsys.readouterr().out
    saved = (tmp_path / "admin-password").read_text().split()
    assert saved[0] == "admin" and len(saved[1]) >= 16
    assert f"password: {saved[1]}" in first
    assert stat.S_IMODE((tmp_path / "admin-password").stat().st_mode) == 0o600
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(saved[1])
    call_command("createadmin")
    assert saved[1] not in capsys.readouterr().out
    assert User.objects.filter(username="admin").count() == 1


def test_two_installs_get_different_passwords(db, settings, tmp_path):
    passwords = []
    for name in ("one", "two"):
        settings.DATA_DIR = tmp_path / name
        settings.DATA_DIR.mkdir()
        call_command("createadmin", username=f"admin_{name}")
        passwords.append((settings.DATA_DIR / "admin-password").read_text().split()[1])
    assert passwords[0] != passwords[1]


def test_token_create_prints_a_working_key(rep, capsys, client):
    call_command("token", "create", rep.username)
    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user=rep).key == key
    assert client.get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    call_command("token", "revoke", rep.username)
    assert client.get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_token_for_unknown_user_is_a_clear_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("token", "create", "ghost")


@pytest.mark.parametrize("role, imports, sees_all_imports", [
    ("admin", True, True),
    ("manager", True, True),  # the team's imports too
    ("sales", True, False),  # reps bring in their own lists
    ("service", False, False),  # agents and marketers do not create customers
    ("marketing", False, False),
])
def test_who_may_import_files(db, role, imports, sees_all_imports):
    codes = set(Group.objects.get(name=role).permissions.filter(content_type__app_label="imports")
                .values_list("codename", flat=True))
    assert ("import_data" in codes) is imports
    assert ("view_importjob" in codes) is sees_all_imports


@pytest.mark.parametrize("role", ["admin", "manager", "sales", "service", "marketing"])
def test_role_groups_exist_with_permissions(db, role):
    group = Group.objects.get(name=role)
    assert group.permissions.filter(codename="view_customer").exists()
