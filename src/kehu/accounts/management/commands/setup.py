from django.core.management import call_command
from django.core.management.base import BaseCommand

from kehu.customers.models import Customer


class Command(BaseCommand):
    help = "First-run setup: migrate, collect static files, create the admin, load and score demo data if empty."

    def add_arguments(self, parser):
        parser.add_argument("--demo-customers", type=int, default=3000)
        parser.add_argument("--no-demo", action="store_true")

    def handle(self, *args, demo_customers, no_demo, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)  # rate limits of the public forms
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("createadmin")
        if not no_demo and not Customer.objects.exists():
            call_command("demo", customers=demo_customers, seed=42)
            # score the demo customers once, so tiers, segments and the value dashboard have data
            call_command("score", no_progress=True)
            # and look for duplicate customers once, so the review queue has data
            call_command("identity", "scan", no_progress=True)
