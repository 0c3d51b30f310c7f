"""The embedded SQLite setup: WAL, busy timeout and IMMEDIATE transactions under two writers."""

import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
                                reason="SQLite-specific")

WRITER = textwrap.dedent("""
    import django, sys
    django.setup()
    from django.db import transaction
    from kehu.accounts.models import Team
    for i in range(40):
        with transaction.atomic():
            # read, then write: the pattern that fails with "database is locked" under DEFERRED
            n = Team.objects.count()
            Team.objects.create(name=f"{sys.argv[1]}-{i}-{n}")
    print("ok")
""")


def test_two_writer_processes_never_see_database_is_locked(tmp_path):
    env = {**os.environ, "KEHU_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "kehu.settings"}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "kehu.cli", "migrate", "-v", "0"], env=env, check=True)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, name], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == "ok"
    check = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import django; django.setup()
        from django.db import connection
        from kehu.accounts.models import Team
        with connection.cursor() as c:
            c.execute("PRAGMA journal_mode"); mode = c.fetchone()[0]
        print(mode, Team.objects.count())
    """)], env=env, capture_output=True, text=True, check=True)
    assert check.stdout.split() == ["wal", "80"]


def test_sqlite_options_are_set():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]
