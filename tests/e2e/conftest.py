"""Browser tests: Debian's chromium driven by Playwright (sync API) against pytest-django's live server.

Run with ``.venv/bin/pytest tests/e2e``. Screenshots of every step, and of the page when a test
fails, go to ``test-artifacts/screenshots/`` (gitignored).
"""

import faulthandler
import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop around; Django's ORM refuses to run while one is
# current unless told otherwise. Set before any fixture touches the database.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
TIMEOUT_MS = 10_000
# A browser test takes seconds. page.evaluate() and keyboard presses have no Playwright timeout,
# so a wedged renderer could block forever: past this, dump every thread's stack and exit.
HANG_LIMIT_S = 150


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


HANG_DUMP = REPO_ROOT / "test-artifacts" / "e2e-hang-traceback.txt"


@pytest.fixture(autouse=True)
def _hang_guard(request):
    # pytest captures fd 2 during a test, so the dump goes to a file (.ci/run prints it).
    HANG_DUMP.parent.mkdir(parents=True, exist_ok=True)
    with open(HANG_DUMP, "w", encoding="utf-8") as dump:
        dump.write(f"hung in {request.node.nodeid} after {HANG_LIMIT_S} s\n")
        dump.flush()
        faulthandler.dump_traceback_later(HANG_LIMIT_S, exit=True, file=dump)
        yield
        faulthandler.cancel_dump_traceback_later()
    HANG_DUMP.unlink(missing_ok=True)


@pytest.fixture(scope="session", autouse=True)
def _single_threaded_live_server():
    """Serve the browser one request at a time.

    pytest-django's live server is threaded, and with SQLite's in-memory test database every
    request thread shares one connection, so overlapping htmx requests (tabs switched quickly)
    interleave their transactions on it. Django's plain WSGIServer serialises them.
    """
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    class SerialWSGIServer(WSGIServer):
        # Requests run on the server thread, which already uses the overridden connections.
        def __init__(self, address, handler, *args, connections_override=None, **kwargs):
            # Chromium opens speculative connections it may never send a request on (e.g. for a
            # cross-origin iframe); one server thread would wait on such a socket forever.
            idle_closing_handler = type("IdleClosingHandler", (handler,), {"timeout": 3})
            super().__init__(address, idle_closing_handler, *args, **kwargs)

    original = LiveServerThread.server_class
    LiveServerThread.server_class = SerialWSGIServer
    yield
    LiveServerThread.server_class = original


@pytest.fixture(scope="session")
def screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Shots:
    """Numbered screenshots of one test: ``<test>-01-<step>.png``."""

    def __init__(self, directory: Path, test_name: str):
        self.directory = directory
        self.prefix = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self.count = 0
        for old in directory.glob(f"{self.prefix}-*.png"):
            old.unlink()

    def __call__(self, page, step: str, *, full_page: bool = True) -> Path:
        self.count += 1
        path = self.directory / f"{self.prefix}-{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def shot(request, screenshot_dir):
    return Shots(screenshot_dir, request.node.name)


@pytest.fixture
def new_page(request, browser, live_server, shot):
    """Factory for pages in fresh browser contexts (own cookies), base URL = the live server."""
    contexts = []

    def make(*, viewport=None, locale="en-US"):
        # Reduced motion: charts draw without animation, so screenshots show the final bars.
        context = browser.new_context(base_url=live_server.url, locale=locale, reduced_motion="reduce",
                                      viewport=viewport or {"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, context in enumerate(contexts):
        if failed:
            for j, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(shot.directory / f"{shot.prefix}-FAILED-{i}{j}.png"),
                                    full_page=True)
                except Exception as exc:  # noqa: BLE001 - best effort, the test already failed
                    print(f"could not take the failure screenshot: {exc}")
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()
