"""The ``kehu`` command: Django's management commands with Kehu's settings and its own help."""

import os
import sys

KEHU_COMMANDS = [
    ("serve", "Serve the web app with gunicorn (default http://127.0.0.1:8000)."),
    ("migrate", "Create or upgrade the database schema."),
    ("createadmin", "Create the first admin with a generated password (printed once, saved under var/)."),
    ("demo", "Load a realistic, deterministic demo data set (--customers N --seed S)."),
    ("score", "Score every customer: RFM, CLV, P(alive), tier A–D, loyalty (progress bar)."),
    ("identity", "Duplicates: scan the customer file, rebuild match keys, dedupe a CSV (no database)."),
    ("import", "Import customers, contacts, products, orders, interactions, consents from CSV/XLSX."),
    ("export", "Export customers, orders or a customer's file to CSV/XLSX as a user (audited)."),
    ("worker", "Run background jobs and scheduled scoring (started by serve)."),
    ("token", "API tokens for integrations: kehu token create USER."),
    ("collectstatic", "Gather static files for the production server."),
    ("setup", "migrate + collectstatic + createadmin + demo data if the database is empty."),
]


def print_help() -> None:
    print("usage: kehu COMMAND [options]\n")
    print("Kehu (客户) CRM. Commands:")
    for name, text in KEHU_COMMANDS:
        print(f"  {name:<14} {text}")
    print("\nRun 'kehu COMMAND --help' for a command's options; 'kehu help --all' lists every")
    print("Django management command, which kehu also runs.")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    if len(argv) < 2 or argv[1] in ("-h", "--help") or argv[1:] == ["help"]:
        print_help()
        return
    if argv[1:] == ["help", "--all"]:
        argv = argv[:1] + ["help"]
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
