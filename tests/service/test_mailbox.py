"""Email intake against a real IMAP server: new mail opens a case (acknowledged through a real SMTP
server), replies thread into their case, automatic mail never opens one, a mail is filed once,
and a sender cannot open endless cases."""

import pytest

from kehu.service import mailbox
from kehu.service.models import Case, CaseMessage

pytestmark = pytest.mark.django_db(transaction=True)  # the acknowledgement goes out on commit


def mail(subject, body="我买的电饭煲坏了，要求退款。", *, sender="Zhao Lei <zhaolei@example.com>", message_id,
         headers=""):
    return (f"From: {sender}\r\nTo: service@kehu.test\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n{headers}\r\n{body}\r\n")


def test_a_new_mail_opens_a_case_and_is_acknowledged(imap_server, smtp_server, admin):
    imap_server.deliver(mail("电饭煲坏了", message_id="<m1@example.com>"))
    assert mailbox.poll() == {"opened": 1}
    case = Case.objects.get()
    assert (case.kind, case.channel, case.contact_email) == ("complaint", "email", "zhaolei@example.com")
    assert case.customer_words.startswith("我买的电饭煲坏了") and imap_server.unread() == 0
    [ack] = smtp_server.to("zhaolei@example.com")
    assert case.reference in ack["Subject"] and ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<m1@example.com>" and case.public_token in ack.get_content()
    assert case.first_response_at is None  # an automatic acknowledgement is not an answer


def test_replies_thread_and_automatic_mail_is_ignored(imap_server, smtp_server, admin):
    imap_server.deliver(mail("电饭煲坏了", message_id="<m1@example.com>"))
    mailbox.poll()
    case = Case.objects.get()
    ack = smtp_server.messages[0]
    # the customer answers our acknowledgement; an out-of-office answers it too; a bounce; a list
    imap_server.deliver(mail(f"Re: {ack['Subject']}", "补充：型号 X1", message_id="<m2@example.com>",
                             headers=f"In-Reply-To: {ack['Message-ID']}\r\n"))
    imap_server.deliver(mail(f"自动回复: {ack['Subject']}", "我在休假", message_id="<m3@example.com>",
                             headers="Auto-Submitted: auto-replied\r\n"))
    imap_server.deliver(mail("Delivery failure", "undeliverable", sender="MAILER-DAEMON@mx.example.com",
                             message_id="<m4@example.com>"))
    imap_server.deliver(mail("Newsletter", "促销", message_id="<m5@example.com>", headers="List-Id: <news.example.com>\r\n"))
    # an auto-responder without the headers, answering with our tag in the subject: threads, no new case
    imap_server.deliver(mail(f"Re: {case.reference} auto", "I am away", sender="bot@example.com",
                             message_id="<m6@example.com>").replace(f"Re: {case.reference}", f"Re: [{case.reference}]"))
    assert mailbox.poll() == {"threaded": 2, "automatic": 3}
    assert Case.objects.count() == 1 and len(smtp_server.messages) == 1  # nothing acknowledged twice
    assert list(case.messages.filter(direction="in").values_list("body", flat=True)) == [
        case.customer_words, "补充：型号 X1", "I am away"]


def test_a_mail_is_filed_once_and_a_sender_is_limited(imap_server, smtp_server, admin):
    from kehu.service import intake

    imap_server.deliver(mail("第一封", message_id="<dup@example.com>"))
    mailbox.poll()
    imap_server.deliver(mail("第一封", message_id="<dup@example.com>"))  # the same mail again
    assert mailbox.poll() == {"duplicate": 1}
    for i in range(intake.NEW_CASES_PER_SENDER_PER_DAY + 1):
        imap_server.deliver(mail(f"投诉 {i}", message_id=f"<flood{i}@example.com>"))
    outcome = mailbox.poll()
    assert outcome == {"opened": intake.NEW_CASES_PER_SENDER_PER_DAY - 1, "limited": 2}
    assert CaseMessage.objects.filter(direction="in").count() == intake.NEW_CASES_PER_SENDER_PER_DAY


def test_a_known_customers_mail_is_linked_to_them(imap_server, smtp_server, admin, make_customer):
    customer = make_customer(admin, family_name="赵", given_name="磊", email="zhaolei@example.com")
    imap_server.deliver(mail("电饭煲坏了", message_id="<m1@example.com>"))
    mailbox.poll()
    assert Case.objects.get().customer == customer
