"""Tables of the knowledge app: articles in up to three languages, their search terms, votes.

An article keeps one title and body per language (English, simplified and traditional Chinese);
a language left blank is simply missing and readers get another one with a note. Bodies are HTML
that ``knowledge.sanitize`` has cleaned before they are saved (and again when shown).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

# The languages an article can be written in, in Django's codes; field suffixes use "_".
LANGUAGES = ("en", "zh-hans", "zh-hant")
# Which version a reader gets when theirs is missing: Chinese readers prefer the other script.
FALLBACKS = {
    "en": ("en", "zh-hans", "zh-hant"),
    "zh-hans": ("zh-hans", "zh-hant", "en"),
    "zh-hant": ("zh-hant", "zh-hans", "en"),
}
# Shown on the language switch, in each language's own name (never translated).
LANGUAGE_NAMES = {"en": "English", "zh-hans": "简体中文", "zh-hant": "繁體中文"}


def reader_language(code: str | None = None) -> str:
    """One of LANGUAGES for a Django language code (``zh-hant``, ``zh-tw``, ``en-us`` …)."""
    code = (code or get_language() or "en").lower()
    if code.startswith("zh"):
        return "zh-hant" if any(t in code for t in ("hant", "-tw", "-hk", "-mo")) else "zh-hans"
    return "en"


def suffix(language: str) -> str:
    return language.replace("-", "_")


class Topic(models.TextChoices):
    """What a service case is about: the complaint categories' codes (kept equal to kehu.service's
    codes as plain strings, so neither app imports the other)."""

    PRODUCT = "product", pgettext_lazy("knowledge topic", "Product")
    SERVICE = "service", pgettext_lazy("knowledge topic", "Service")
    PRICE = "price", pgettext_lazy("knowledge topic", "Price")
    DELIVERY = "delivery", pgettext_lazy("knowledge topic", "Delivery")
    STAFF = "staff", pgettext_lazy("knowledge topic", "Staff")
    BILLING = "billing", pgettext_lazy("knowledge topic", "Billing")
    OTHER = "other", pgettext_lazy("knowledge topic", "Other")


class Category(models.Model):
    """A shelf of the knowledge base, named in each language (an editable list)."""

    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    name_zh_hans = models.CharField(_("name (simplified Chinese)"), max_length=100, blank=True)
    name_zh_hant = models.CharField(_("name (traditional Chinese)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("knowledge category")
        verbose_name_plural = _("knowledge categories")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name()

    def name(self, language: str | None = None) -> str:
        for lang in FALLBACKS[reader_language(language)]:
            value = getattr(self, f"name_{suffix(lang)}")
            if value:
                return value
        return ""


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("knowledge tag")
        verbose_name_plural = _("knowledge tags")
        ordering = ["name"]

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class Version:
    """One language version of an article, as a reader gets it."""

    language: str
    title: str
    body: str
    fallback: bool  # not the language asked for

    @property
    def language_name(self) -> str:
        return LANGUAGE_NAMES[self.language]


class Article(models.Model):
    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("Internal (staff only)")
        PUBLIC = "public", _("Public (anyone, also on the public pages)")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("knowledge article", "Draft")
        PUBLISHED = "published", pgettext_lazy("knowledge article", "Published")

    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    title_zh_hans = models.CharField(_("title (simplified Chinese)"), max_length=200, blank=True)
    body_zh_hans = models.TextField(_("text (simplified Chinese)"), blank=True)
    title_zh_hant = models.CharField(_("title (traditional Chinese)"), max_length=200, blank=True)
    body_zh_hant = models.TextField(_("text (traditional Chinese)"), blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="articles", verbose_name=_("category"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("tags"))
    visibility = models.CharField(pgettext_lazy("knowledge article", "visibility"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.INTERNAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=pgettext_lazy("knowledge article", "author"))
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)
    published_at = models.DateTimeField(pgettext_lazy("knowledge article", "published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Readers' votes (ArticleFeedback keeps who voted, so each counts once); F() updates.
    helped_count = models.PositiveIntegerField(_("helped"), default=0)
    not_helped_count = models.PositiveIntegerField(_("did not help"), default=0)
    version = models.PositiveIntegerField(default=1)  # an edit names the version it started from

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["status", "visibility", "-updated_at"], name="knowledge_listed")]
        permissions = [("publish_article", _("Can publish knowledge articles"))]

    def __str__(self):
        return self.shown().title or f"#{self.pk}"

    def exact_version(self, language: str) -> Version | None:
        title = getattr(self, f"title_{suffix(language)}")
        if not title:
            return None
        return Version(language, title, getattr(self, f"body_{suffix(language)}"), fallback=False)

    @property
    def languages(self) -> list[str]:
        return [lang for lang in LANGUAGES if getattr(self, f"title_{suffix(lang)}")]

    def shown(self, language: str | None = None) -> Version:
        """The version in ``language`` (default: the active one), else the nearest one there is."""
        wanted = reader_language(language)
        for lang in FALLBACKS[wanted]:
            version = self.exact_version(lang)
            if version is not None:
                return Version(lang, version.title, version.body, fallback=lang != wanted)
        return Version(wanted, "", "", fallback=False)

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.visibility == self.Visibility.PUBLIC

    @property
    def topic_codes(self) -> list[str]:
        return sorted(t.code for t in self.topics.all())


class ArticleTopic(models.Model):
    """A case category code (``Topic``) the article helps with; suggestions give it a bonus."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="topics")
    code = models.CharField(pgettext_lazy("knowledge article", "topic"), max_length=32, choices=Topic.choices)

    class Meta:
        verbose_name = _("article topic")
        verbose_name_plural = _("article topics")
        constraints = [models.UniqueConstraint(fields=["article", "code"], name="knowledge_topic_once")]
        indexes = [models.Index(fields=["code", "article"], name="knowledge_topic_code")]

    def __str__(self):
        return self.code


class ArticleTerm(models.Model):
    """The search index: one row per article and term (a word of any of its language versions),
    weighted so that a title hit outranks body hits (see ``knowledge.services.index_article``)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="terms", db_index=False)
    term = models.CharField(max_length=32)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "term"], name="knowledge_term_once")]
        indexes = [models.Index(fields=["term", "article"], name="knowledge_term")]

    def __str__(self):
        return f"{self.term} ({self.weight})"


class ArticleFeedback(models.Model):
    """One reader's "this helped" / "this did not help": a signed-in reader once per article,
    an anonymous reader of a public article once per session (its key stored hashed)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    session_hash = models.CharField(max_length=64, blank=True)
    helped = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], condition=Q(user__isnull=False),
                                    name="knowledge_vote_once_per_user"),
            models.UniqueConstraint(fields=["article", "session_hash"], condition=Q(user__isnull=True),
                                    name="knowledge_vote_once_per_session"),
        ]

    def __str__(self):
        return f"{self.article_id}: {'+' if self.helped else '-'}"
