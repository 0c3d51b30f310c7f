"""Shared fixtures: users in each role, teams, customers built through the services."""

import itertools

import pytest
from rest_framework.test import APIClient

from kehu.accounts.models import Team
from kehu.accounts.services import create_user
from kehu.customers import services

_seq = itertools.count(1)
TEST_PASSWORD = "correct-Horse-battery-staple-42"


@pytest.fixture
def team(db):
    return Team.objects.create(name="East")


@pytest.fixture
def other_team(db):
    return Team.objects.create(name="West")


@pytest.fixture
def make_user(db):
    def make(role="sales", *, team=None, is_manager=False, username=None):
        return create_user(username or f"{role}{next(_seq)}", role=role, password=TEST_PASSWORD,
                           team=team, is_manager=is_manager)

    return make


@pytest.fixture
def admin(make_user):
    return make_user("admin", username="boss")


@pytest.fixture
def rep(make_user, team):
    return make_user("sales", team=team)


@pytest.fixture
def make_customer(db):
    def make(actor, *, phone=None, email=None, **data):
        data.setdefault("kind", "person")
        data.setdefault("family_name", "王")
        data.setdefault("given_name", f"客{next(_seq)}")
        identities = []
        if phone:
            identities.append({"channel": "phone", "value": phone, "is_primary": True})
        if email:
            identities.append({"channel": "email", "value": email, "is_primary": True})
        return services.create_customer(actor, identities=identities, **data)

    return make


@pytest.fixture
def api(db):
    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def history(db):
    """400 demo customers with the demo generator's BG/NBD purchase history (≈10% prospects, many
    one-time buyers, some heavy buyers); returns the end of the generator's observation window."""
    from datetime import UTC, datetime

    from kehu.demo.generate import END
    from kehu.demo.services import build_demo

    build_demo(customers=400, seed=7, chunk_size=400, progress=lambda line: None)
    return datetime.fromtimestamp(END, tz=UTC)


@pytest.fixture
def scored(history):
    """The demo history scored once (a finished scoring run, observed at the history's end)."""
    from kehu.scoring import services

    run = services.request_run(None, enqueue=False)
    return services.execute_run(run.pk, now=history)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Inbox:
    """What a real SMTP server (aiosmtpd, started by ``smtp_server``) received."""

    def __init__(self):
        self.messages = []  # email.message.EmailMessage, in arrival order

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m.envelope_to]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 for this test; Django sends to it (pytest-django would
    otherwise keep mail in memory). ``smtp_server.messages`` holds what arrived."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    try:
        yield inbox
    finally:
        controller.stop()
