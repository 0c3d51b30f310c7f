import time

from django.core.management.base import BaseCommand, CommandError

from kehu.customers.models import Customer
from kehu.demo.services import build_demo


class Command(BaseCommand):
    help = ("Load a realistic, deterministic demo data set: users in every role and team, products, "
            "customers (Chinese and English persons, organisations of every nature class and stage), "
            "identities, addresses, interactions, consents, and orders that follow a repeat-purchase "
            "process. The same --seed always builds the same data.")

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=3000, help="How many customers (default 3000).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument("--chunk-size", type=int, default=50_000, help="Customers per transaction.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if customers exist.")

    def handle(self, *args, customers, seed, chunk_size, if_empty, **options):
        if customers < 1:
            raise CommandError("--customers must be at least 1.")
        if if_empty and Customer.objects.exists():
            self.stdout.write("Customers exist; no demo data loaded.")
            return
        self.stdout.write(f"Building demo data: {customers:,} customers, seed {seed}")
        started = time.perf_counter()
        totals = build_demo(customers=customers, seed=seed, chunk_size=chunk_size,
                            progress=lambda line: self.stdout.write(line))
        elapsed = time.perf_counter() - started
        rows = sum(totals.values())
        summary = ", ".join(f"{name} {count:,}" for name, count in totals.items())
        self.stdout.write(self.style.SUCCESS(
            f"Done in {elapsed:.1f} s: {rows:,} rows ({rows / elapsed:,.0f} rows/s). {summary}. "
            "Demo user passwords are in var/demo-users."))
        # Match keys, so a customer typed in again is recognised (the bulk load bypasses services).
        from kehu.identity import profiles

        started = time.perf_counter()
        indexed = profiles.rebuild_all()
        self.stdout.write(f"Indexed {indexed:,} customers for duplicate matching in "
                          f"{time.perf_counter() - started:.1f} s.")
        self._service_and_knowledge(seed)
        self._sales(seed)

    def _service_and_knowledge(self, seed: int) -> None:
        """Cases at every step (written through the service workflow), and knowledge articles."""
        from kehu.service.demo import seed_cases

        cases = seed_cases(60, seed=seed)
        if cases:
            self.stdout.write(f"Opened {cases} demo service cases.")
        try:
            from kehu.knowledge.services import seed_articles
        except ImportError:
            return
        articles = seed_articles()
        if articles:
            self.stdout.write(f"Wrote {len(articles) if hasattr(articles, '__len__') else articles} "
                              "knowledge articles.")

    def _sales(self, seed: int) -> None:
        """Leads over the seed's sources with 18 months of outcomes, opportunities in every stage,
        referral chains, a lead score trained on that history, and the reps' activities."""
        from kehu.sales.demo import (
            seed_activities,
            seed_leads,
            seed_opportunities,
            seed_sales_history,
        )

        started = time.perf_counter()
        leads = seed_leads(seed=seed)
        opportunities = seed_opportunities(seed=seed)
        history = seed_sales_history(seed=seed)
        activities = seed_activities(seed=seed)
        self.stdout.write(
            f"Sales: {leads:,} leads, {opportunities:,} opportunities, {history['referrals']:,} referrals "
            f"(deepest chain {history['deepest']}), {activities:,} activities, lead score: "
            f"{history['lead_score']} ({time.perf_counter() - started:.1f} s).")
