"""The real SMTP server the tests start receives what Django sends."""

from django.core.mail import send_mail


def test_mail_reaches_the_test_smtp_server(smtp_server):
    send_mail("投诉已受理", "您的投诉编号 C-1", "kehu@example.com", ["wang@example.com"])
    [message] = smtp_server.to("wang@example.com")
    assert message["Subject"] == "投诉已受理" and "C-1" in message.get_content()
