"""Showing articles: their HTML (sanitised on the way out too), titles and languages."""

from django import template
from django.utils.safestring import mark_safe

from kehu.knowledge import sanitize
from kehu.knowledge.forms import HTML_LANG
from kehu.knowledge.models import LANGUAGE_NAMES, Topic

register = template.Library()


@register.filter
def knowledge_html(body) -> str:
    """An article body as HTML. The one place article HTML is marked safe, and only after the
    allowlist has run on it again (the stored body was cleaned when saved; this also covers rows
    written some other way)."""
    return mark_safe(sanitize.clean(str(body or "")))  # noqa: S308 - sanitised on this line


@register.filter
def excerpt(body, length=160) -> str:
    """Plain text from the start of a body (escaped by the template as usual)."""
    return sanitize.excerpt(str(body or ""), int(length))


@register.filter
def html_lang(language: str) -> str:
    """``zh-hans`` → ``zh-Hans``, for lang attributes."""
    return HTML_LANG.get(language, language)


@register.filter
def language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)


@register.filter
def topic_label(code: str) -> str:
    try:
        return Topic(code).label
    except ValueError:
        return code
