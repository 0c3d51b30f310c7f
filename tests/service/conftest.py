"""Service fixtures: a real IMAP server (pymap, in-memory) holding the service mailbox."""

import imaplib
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port


class Mailbox:
    def __init__(self, port: int):
        self.port = port

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login("service", "secret")
        client.select("INBOX")
        return client

    def deliver(self, raw: str | bytes) -> None:
        """Put a mail into the INBOX, unread (as the mail server would)."""
        client = self.client()
        try:
            client.append("INBOX", None, None, raw.encode() if isinstance(raw, str) else raw)
        finally:
            client.logout()

    def unread(self) -> int:
        client = self.client()
        try:
            _status, data = client.uid("SEARCH", None, "UNSEEN")
            return len(data[0].split()) if data and data[0] else 0
        finally:
            client.logout()


@pytest.fixture
def imap_server(settings):
    """The service mailbox on a real IMAP server started for this test; Kehu polls it."""
    port = free_port()
    pymap = Path(sys.executable).with_name("pymap")
    process = subprocess.Popen([str(pymap), "--port", str(port), "--no-tls", "dict", "--demo-data",
                                "--demo-user", "service", "--demo-password", "secret"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    mailbox = Mailbox(port)
    try:
        for _ in range(100):
            try:
                client = mailbox.client()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the IMAP server did not start")
        client.uid("STORE", "1:*", "+FLAGS", "(\\Seen)")  # the demo mails are not ours to file
        client.logout()
        settings.KEHU_IMAP_HOST, settings.KEHU_IMAP_PORT, settings.KEHU_IMAP_SSL = "127.0.0.1", port, False
        settings.KEHU_IMAP_USER, settings.KEHU_IMAP_PASSWORD, settings.KEHU_IMAP_FOLDER = "service", "secret", "INBOX"
        yield mailbox
    finally:
        process.terminate()
        process.wait(10)
