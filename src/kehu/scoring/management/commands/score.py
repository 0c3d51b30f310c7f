from django.core.management.base import BaseCommand, CommandError

from kehu.scoring import services
from kehu.scoring.models import ScoreRun


class Command(BaseCommand):
    help = ("Score every customer: RFM, CLV, P(alive), expected purchases, tier A–D, loyalty "
            "(with a progress bar). --enqueue hands the run to the background worker instead.")

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="Queue the run for `kehu worker` and return at once.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs).")

    def handle(self, *args, enqueue, no_progress, **options):
        try:
            run = services.request_run(None, trigger=ScoreRun.Trigger.CLI, enqueue=enqueue)
        except services.RunAlreadyActive as exc:
            raise CommandError(f"{exc}; wait for it or see the value dashboard") from None
        if enqueue:
            self.stdout.write(f"Scoring run #{run.pk} queued; `kehu worker` will execute it.")
            return
        bar = None if no_progress else _ProgressBar(self.stderr)
        run = services.execute_run(run.pk, progress=bar.update if bar else lambda r: None)
        if bar:
            bar.close()
        if run.status != ScoreRun.Status.DONE:
            raise CommandError(f"Scoring run #{run.pk} failed:\n{run.error}")
        fit = run.fit.get("purchase", {})
        params = ", ".join(f"{k}={v:.4g}" for k, v in fit.get("params", {}).items())
        self.stdout.write(self.style.SUCCESS(
            f"Scoring run #{run.pk}: {run.customers:,} customers ({run.buyers:,} with purchases, "
            f"{run.transactions:,} orders) in {run.timings.get('total', 0):.1f} s"))
        if params:
            self.stdout.write(f"  {run.settings.get('purchase_model')}: {params}; "
                              f"log-likelihood {fit.get('log_likelihood', 0):,.1f}")
        for key in ("purchase_error", "spend_error"):
            if key in run.fit:
                self.stdout.write(self.style.WARNING(f"  {key.replace('_', ' ')}: {run.fit[key]}"))
        self.stdout.write("  timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in run.timings.items()))


class _ProgressBar:
    """A tqdm bar that follows the run's stage and done/total."""

    def __init__(self, stream):
        from tqdm import tqdm

        self.bar = tqdm(total=0, unit=" customers", unit_scale=True, file=stream, dynamic_ncols=True)
        self.stage = None

    def update(self, run):
        if run.stage != self.stage:
            self.stage = run.stage
            self.bar.set_description(run.stage)
            self.bar.reset(total=run.total or 0)
        if run.total and run.total != self.bar.total:
            self.bar.total = run.total
        self.bar.n = run.done or 0
        self.bar.refresh()

    def close(self):
        self.bar.close()
