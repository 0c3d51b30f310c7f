from django.core.management.base import BaseCommand

from kehu.env import env_int, env_str


class Command(BaseCommand):
    help = "Serve Kehu with gunicorn, a production WSGI server (KEHU_BIND, KEHU_WORKERS)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=env_str("KEHU_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=env_int("KEHU_WORKERS", 3))
        parser.add_argument("--no-worker", action="store_true",
                            help="Do not start `kehu worker` for background jobs beside the web server.")

    def handle(self, *args, bind, workers, no_worker=False, **options):
        import subprocess
        import sys

        from gunicorn.app.base import BaseApplication

        from kehu.wsgi import application

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", bind)
                self.cfg.set("workers", workers)
                self.cfg.set("threads", 4)
                self.cfg.set("accesslog", "-")
                self.cfg.set("timeout", 120)

            def load(self):
                return application

        self.stdout.write(f"Kehu is serving on http://{bind}/  (Ctrl+C to stop)")
        # Background jobs run embedded: one `kehu worker` process beside gunicorn, stopped with it.
        worker = None if no_worker else subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "kehu.cli", "worker"])
        try:
            Server().run()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
