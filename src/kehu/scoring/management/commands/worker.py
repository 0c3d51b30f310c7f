import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.crypto import get_random_string

from kehu.scoring import services
from kehu.scoring.models import ScoreRun


class Command(BaseCommand):
    help = ("Run background jobs (django-tasks database queue) and start scheduled ones, such as the "
            "periodic scoring of every customer. `kehu serve` starts one beside the web server.")

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between queue checks.")
        parser.add_argument("--once", action="store_true",
                            help="Start what is due, run every queued job, then exit (for cron and tests).")

    def handle(self, *args, interval, once, **options):
        from django_tasks_db.management.commands.db_worker import Worker

        self.running = True
        if not once:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, self._stop)
        worker_id = get_random_string(32)
        if not once:
            self._recover_interrupted()
        while self.running:
            close_old_connections()
            self._start_scheduled()
            Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                   max_tasks=None, worker_id=worker_id, excluded_queue_names=[]).run()
            if once:
                return
            time.sleep(interval)

    def _recover_interrupted(self):
        """Imports a stopped worker left half-way (``kehu serve`` runs one worker): they become
        resumable from their last committed chunk. Not with --once, which may run beside it."""
        from kehu.imports.services import recover_interrupted

        if n := recover_interrupted():
            self.stdout.write(f"{n} interrupted import(s) marked resumable.")

    def _start_scheduled(self):
        from kehu import scheduling

        for name in scheduling.start_due():
            self.stdout.write(f"Scheduled job {name} started.")
        if services.due_for_schedule():
            try:
                run = services.request_run(None, trigger=ScoreRun.Trigger.SCHEDULE)
                self.stdout.write(f"Scheduled scoring run #{run.pk} queued.")
            except services.RunAlreadyActive:
                pass

    def _stop(self, signum, frame):
        self.running = False
