from django.conf import settings
from django.core.management.base import BaseCommand

from kehu.accounts.services import create_admin_once


class Command(BaseCommand):
    help = ("Create the first administrator with a generated password. The password is printed "
            "once and saved to var/admin-password (mode 600); nothing happens if the user exists.")

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        username, password = create_admin_once(settings.DATA_DIR, username)
        if password is None:
            self.stdout.write(f"Admin user '{username}' exists; its first password is in "
                              f"{settings.DATA_DIR / 'admin-password'} if it was never changed.")
            return
        bar = "=" * 60
        self.stdout.write(self.style.SUCCESS(
            f"{bar}\nKehu admin created.\n  username: {username}\n  password: {password}\n"
            f"(shown once; also saved to {settings.DATA_DIR / 'admin-password'}, mode 600)\n{bar}"))
