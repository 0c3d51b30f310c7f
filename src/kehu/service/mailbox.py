"""Polling the service mailbox (IMAP): every unread mail is filed (``intake.file_email``) and then
marked read, so a mail is filed once even if the poll is interrupted half-way (and the Message-ID
check catches a mail read twice)."""

from __future__ import annotations

import imaplib
import logging
from collections import Counter
from email import message_from_bytes, policy

from django.conf import settings

from kehu.service import intake

logger = logging.getLogger(__name__)


def configured() -> bool:
    return bool(getattr(settings, "KEHU_IMAP_HOST", ""))


def connect() -> imaplib.IMAP4:
    host, port = settings.KEHU_IMAP_HOST, settings.KEHU_IMAP_PORT
    client = imaplib.IMAP4_SSL(host, port) if settings.KEHU_IMAP_SSL else imaplib.IMAP4(host, port)
    client.login(settings.KEHU_IMAP_USER, settings.KEHU_IMAP_PASSWORD)
    return client


def poll(limit: int = 200) -> Counter:
    """File up to ``limit`` unread mails; returns how many of each outcome."""
    outcomes: Counter = Counter()
    client = connect()
    try:
        status, _data = client.select(settings.KEHU_IMAP_FOLDER)
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {settings.KEHU_IMAP_FOLDER!r}")
        status, data = client.uid("SEARCH", None, "UNSEEN")
        uids = data[0].split()[:limit] if status == "OK" and data and data[0] else []
        for uid in uids:
            status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None) if status == "OK" else None
            if raw is None:
                continue
            try:
                outcome = intake.file_email(message_from_bytes(raw, policy=policy.default))
            except Exception:  # one broken mail must not block the others; it stays unread
                logger.exception("could not file mail uid %s", uid)
                outcomes["failed"] += 1
                continue
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            outcomes[outcome] += 1
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
    return outcomes
