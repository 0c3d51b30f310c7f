"""The knowledge base's one write path, its search and its suggestions for service cases.

Writes (``create_article``, ``update_article``, ``publish_article``, ``save_category``) check the
actor's permission, validate, sanitise the bodies (``knowledge.sanitize``), rebuild the article's
search terms and write the audit entry, all in one transaction. Reads go through
``knowledge.access``. Votes (``record_feedback``) count once per reader with F() updates.

Search: every language version of an article is cut into terms (``knowledge.tokens``: jieba for
Chinese, words for English, traditional folded to simplified) and kept in ``ArticleTerm`` with a
weight — a title hit outweighs any number of body hits. A query is cut the same way; matching
articles are found through the (term, article) index and ranked by the sum of their matched
terms' weights. The same SQL runs on SQLite and PostgreSQL (see docs/knowledge.md for why).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kehu.knowledge import access, sanitize
from kehu.knowledge.models import (
    LANGUAGES,
    Article,
    ArticleFeedback,
    ArticleTerm,
    ArticleTopic,
    Category,
    Tag,
    Topic,
    reader_language,
    suffix,
)
from kehu.knowledge.tokens import query_terms, terms
from kehu.privacy import audit

TITLE_WEIGHT = 10  # a word of a title
TAG_WEIGHT = 5  # a word of a tag
BODY_WEIGHT = 1  # each time a word occurs in a body …
BODY_CAP = 3  # … counted at most this often, so a long text cannot outrank a title
# Suggestions for a case: token overlap (the weights above) + these.
TOPIC_BONUS = 8  # the article is about the case's category
HELPFUL_WEIGHT = 4  # × (helped − not helped) / (votes + 2): between −4 and +4
SUGGEST_CANDIDATES = 100

TEXT_FIELDS = [f"{part}_{suffix(lang)}" for lang in LANGUAGES for part in ("title", "body")]
ARTICLE_FIELDS = [*TEXT_FIELDS, "category", "visibility", "status", "last_reviewed"]


class StaleVersion(Exception):
    """Someone saved the article after this edit was started; nothing was written."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(_("This article was changed by someone else while you were editing "
                           "(now version %(v)s). Reload to see their change, then edit again.")
                         % {"v": current_version})


# --- permissions ---------------------------------------------------------------------------

def _check(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def check_can_edit(actor, *, creating: bool = False) -> None:
    allowed = access.can_add(actor) if creating else access.can_edit(actor)
    _check(allowed, _("You may not write or edit knowledge articles."))


def check_can_publish(actor) -> None:
    _check(access.can_publish(actor), _("You may not publish knowledge articles."))


# --- validation ----------------------------------------------------------------------------

def split_tags(text: str) -> list[str]:
    """Tags typed as "refund, 退款、returns": commas (also Chinese ones) separate them."""
    for sep in "，、;；":
        text = text.replace(sep, ",")
    names: dict[str, str] = {}
    for raw in text.split(","):
        name = " ".join(raw.split())[:50]
        if name:
            names.setdefault(name.casefold(), name)
    return list(names.values())


def _clean(data: dict) -> dict:
    """The article's fields from ``data``, validated and with sanitised bodies."""
    errors: dict[str, list[str]] = {}
    out: dict = {}
    for lang in LANGUAGES:
        title_field, body_field = f"title_{suffix(lang)}", f"body_{suffix(lang)}"
        title = " ".join((data.get(title_field) or "").split())
        body = sanitize.clean(data.get(body_field) or "")
        if len(title) > 200:
            errors[title_field] = [_("At most 200 characters.")]
        if body and not title:
            errors[title_field] = [_("Give this language version a title too.")]
        if title and not sanitize.text_of(body) and "<img" not in body:
            errors[body_field] = [_("Write the text of this language version (what is left after "
                                    "removing what is not allowed is empty).")]
        out[title_field], out[body_field] = title, body
    if not any(out[f"title_{suffix(lang)}"] for lang in LANGUAGES) and not errors:
        errors[NON_FIELD_ERRORS] = [_("Write the article in at least one language: a title and a text.")]
    visibility = data.get("visibility") or Article.Visibility.INTERNAL
    if visibility not in Article.Visibility.values:
        errors["visibility"] = [_("Choose internal or public.")]
    out["visibility"] = visibility
    category = data.get("category")
    if isinstance(category, Category) or category is None:
        out["category"] = category
    else:
        out["category"] = Category.objects.filter(pk=category).first() if str(category).isdigit() else None
        if out["category"] is None:
            errors["category"] = [_("Choose one of the categories.")]
    topics = sorted(set(data.get("topics") or []))
    unknown = [t for t in topics if t not in Topic.values]
    if unknown:
        errors["topics"] = [_("Unknown topics: %(codes)s.") % {"codes": ", ".join(unknown)}]
    out["topics"] = topics
    tags = data.get("tags") or []
    out["tags"] = split_tags(tags if isinstance(tags, str) else ", ".join(tags))
    reviewed = data.get("last_reviewed") or None
    if isinstance(reviewed, str):  # an ISO date, as the audit snapshot keeps it
        reviewed = parse_date(reviewed)
    if reviewed is not None and not isinstance(reviewed, date):
        errors["last_reviewed"] = [_("Enter a valid date.")]
    out["last_reviewed"] = reviewed
    if errors:
        raise ValidationError(errors)
    return out


def _snapshot(article: Article) -> dict:
    values = audit.snapshot(article, ARTICLE_FIELDS)
    values["tags"] = sorted(article.tags.values_list("name", flat=True)) if article.pk else []
    values["topics"] = article.topic_codes if article.pk else []
    return values


def _apply(article: Article, values: dict) -> None:
    """Write the many-to-many parts (tags, topics) and rebuild the search terms."""
    tags = []
    for name in values["tags"]:
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        tags.append(tag)
    article.tags.set(tags)
    ArticleTopic.objects.filter(article=article).exclude(code__in=values["topics"]).delete()
    have = set(ArticleTopic.objects.filter(article=article).values_list("code", flat=True))
    ArticleTopic.objects.bulk_create([ArticleTopic(article=article, code=code)
                                      for code in values["topics"] if code not in have])
    index_article(article)


# --- writes --------------------------------------------------------------------------------

def create_article(actor, *, publish: bool = False, **data) -> Article:
    """A new article from the fields in ``data`` (titles, bodies, category, tags, topics,
    visibility, last_reviewed); a draft unless ``publish``."""
    check_can_edit(actor, creating=True)
    if publish:
        check_can_publish(actor)
    return _create(actor, publish=publish, **data)


@transaction.atomic
def _create(actor, *, publish: bool, **data) -> Article:
    values = _clean(data)
    article = Article(author=actor if actor is not None and actor.is_authenticated else None)
    for field in ARTICLE_FIELDS:
        if field in values:
            setattr(article, field, values[field])
    if publish:
        article.status, article.published_at = Article.Status.PUBLISHED, timezone.now()
    article.save()
    _apply(article, values)
    audit.record(actor, "create", article, changes=audit.diff({}, _snapshot(article)))
    return article


@transaction.atomic
def update_article(actor, article_id, *, expected_version: int, publish: bool | None = None,
                   **data) -> Article:
    """Save an edit started from ``expected_version``; ``publish`` True/False also publishes or
    takes the article back to draft. Changing a published article needs the publish right too."""
    check_can_edit(actor)
    article = Article.objects.select_for_update().filter(pk=article_id).first()
    if article is None:
        raise Http404
    if article.status == Article.Status.PUBLISHED or publish is not None:
        check_can_publish(actor)
    if article.version != expected_version:
        raise StaleVersion(article.version)
    before = _snapshot(article)
    values = _clean({**before, **data})  # a field left out keeps its value
    for field in ARTICLE_FIELDS:
        if field in values:
            setattr(article, field, values[field])
    _set_status(article, publish)
    article.version += 1
    article.save()
    _apply(article, values)
    audit.record(actor, "update", article, changes=audit.diff(before, _snapshot(article)))
    return article


def _set_status(article: Article, publish: bool | None) -> None:
    if publish and article.status != Article.Status.PUBLISHED:
        article.status, article.published_at = Article.Status.PUBLISHED, timezone.now()
    elif publish is False:
        article.status = Article.Status.DRAFT


@transaction.atomic
def publish_article(actor, article_id, *, publish: bool = True) -> Article:
    """Publish a draft (``publish=False``: take a published article back to draft)."""
    check_can_publish(actor)
    article = Article.objects.select_for_update().filter(pk=article_id).first()
    if article is None:
        raise Http404
    fields = ["status", "published_at"]
    before = audit.snapshot(article, fields)
    _set_status(article, publish)
    changes = audit.diff(before, audit.snapshot(article, fields))
    if changes:
        article.version += 1
        article.save(update_fields=[*fields, "version", "updated_at"])
        audit.record(actor, "update", article, changes=changes)
    return article


@transaction.atomic
def save_category(actor, category_id=None, *, name_en: str = "", name_zh_hans: str = "",
                  name_zh_hant: str = "", position: int = 0) -> Category:
    """Add a category (``category_id=None``) or rename / move one."""
    creating = category_id is None
    perm = "knowledge.add_category" if creating else "knowledge.change_category"
    _check(actor is not None and actor.is_authenticated and actor.has_perm(perm),
           _("You may not change the knowledge categories."))
    names = {"name_en": name_en, "name_zh_hans": name_zh_hans, "name_zh_hant": name_zh_hant}
    names = {k: " ".join((v or "").split())[:100] for k, v in names.items()}
    if not any(names.values()):
        raise ValidationError({NON_FIELD_ERRORS: [_("Name the category in at least one language.")]})
    fields = [*names, "position"]
    category = Category() if creating else Category.objects.select_for_update().get(pk=category_id)
    before = {} if creating else audit.snapshot(category, fields)
    for key, value in {**names, "position": max(0, int(position or 0))}.items():
        setattr(category, key, value)
    category.save()
    audit.record(actor, "create" if creating else "update", category,
                 changes=audit.diff(before, audit.snapshot(category, fields)))
    return category


# --- the search index ----------------------------------------------------------------------

def term_weights(article: Article, tag_names: list[str]) -> dict[str, int]:
    """Each term of the article with its weight: per language version, TITLE_WEIGHT if the title
    has it plus BODY_WEIGHT per use in the body (at most BODY_CAP); the best version counts
    (an article in three languages does not outrank one in one), plus TAG_WEIGHT for a tag."""
    weights: dict[str, int] = {}
    for lang in article.languages:
        version = article.exact_version(lang)
        version_weights = Counter({term: TITLE_WEIGHT for term in set(terms(version.title))})
        for term, uses in Counter(terms(sanitize.text_of(version.body))).items():
            version_weights[term] += BODY_WEIGHT * min(uses, BODY_CAP)
        for term, weight in version_weights.items():
            weights[term] = max(weights.get(term, 0), weight)
    for term in {t for name in tag_names for t in terms(name)}:
        weights[term] = weights.get(term, 0) + TAG_WEIGHT
    return weights


def index_article(article: Article) -> None:
    """Rebuild the article's rows of the search index (inside the caller's transaction)."""
    weights = term_weights(article, list(article.tags.values_list("name", flat=True)))
    ArticleTerm.objects.filter(article=article).delete()
    ArticleTerm.objects.bulk_create([ArticleTerm(article=article, term=term, weight=weight)
                                     for term, weight in weights.items()])


def _match_score(words: list[str]):
    """The summed weight of the article's terms among ``words`` (one indexed subquery)."""
    matched = (ArticleTerm.objects.filter(article=OuterRef("pk"), term__in=words).order_by()
               .values("article").annotate(total=Sum("weight")).values("total")[:1])
    return Coalesce(Subquery(matched, output_field=IntegerField()), Value(0))


def find_articles(user, *, q: str = "", category: int | None = None, tag: str = "",
                  topic: str = "", status: str = "", public: bool = False) -> QuerySet[Article]:
    """The articles ``user`` may read (``public``: public ones only) that match the filters and,
    when ``q`` is given, its words, best match first (``score``); else the latest first."""
    qs = access.visible_articles(user, public=public)
    if category:
        qs = qs.filter(category_id=category)
    if tag:
        qs = qs.filter(tags__name=tag)
    if topic:
        qs = qs.filter(topics__code=topic)
    if status in Article.Status.values:
        qs = qs.filter(status=status)
    if not (q or "").strip():
        return qs.annotate(score=Value(0, output_field=IntegerField())).order_by("-updated_at", "-id")
    words = query_terms(q, limit=50)
    if not words:
        return qs.none().annotate(score=Value(0, output_field=IntegerField()))
    return (qs.filter(pk__in=ArticleTerm.objects.filter(term__in=words).values("article"))
            .annotate(score=_match_score(words)).order_by("-score", "-updated_at", "-id"))


def suggest(text: str, topic: str | None, *, user, language, limit: int = 5) -> list[Article]:
    """Published articles that may help with a service case, best first.

    Score = the case text's overlap with the article's terms (the search weights: a word of the
    title counts more than one of the body) + TOPIC_BONUS when the article lists ``topic`` (the
    case's category code) + HELPFUL_WEIGHT × (helped − not helped) / (votes + 2). An article needs
    a word in common or the topic to be suggested at all. Only articles ``user`` may read are
    suggested. Each article comes with ``display`` (its version in ``language``, or the nearest),
    ``suggestion_score`` and ``user_vote`` (True/False, or None if ``user`` has not voted).
    """
    words = query_terms(text or "")
    topic = topic if topic in Topic.values else None
    if not words and topic is None:
        return []
    found = Q(pk__in=ArticleTerm.objects.filter(term__in=words).values("article")) if words else Q()
    on_topic = ArticleTopic.objects.filter(article=OuterRef("pk"), code=topic or "")
    if topic is not None:
        topic_q = Q(pk__in=ArticleTopic.objects.filter(code=topic).values("article"))
        found = found | topic_q if words else topic_q
    candidates = (access.visible_articles(user).filter(found, status=Article.Status.PUBLISHED)
                  .annotate(match=_match_score(words) if words else Value(0, output_field=IntegerField()),
                            on_topic=Exists(on_topic))
                  .select_related("category").order_by("-match", "-id")[:SUGGEST_CANDIDATES])
    scored = []
    for article in candidates:
        votes = article.helped_count + article.not_helped_count
        helpful = HELPFUL_WEIGHT * (article.helped_count - article.not_helped_count) / (votes + 2)
        article.suggestion_score = article.match + (TOPIC_BONUS if article.on_topic else 0) + helpful
        scored.append(article)
    scored.sort(key=lambda a: (-a.suggestion_score, -a.match, -a.pk))
    chosen = scored[:limit]
    votes = user_votes(user, [a.pk for a in chosen])
    for article in chosen:
        article.display = article.shown(reader_language(language))
        article.user_vote = votes.get(article.pk)
    return chosen


# --- "this helped" -------------------------------------------------------------------------

def session_hash(session_key: str) -> str:
    """Anonymous votes are kept per session; the key itself is a credential, so it is hashed."""
    return hashlib.sha256(f"kehu.knowledge:{session_key}".encode()).hexdigest()


def _voter(user, session_key: str | None) -> dict:
    if user is not None and user.is_authenticated:
        return {"user": user}
    if not session_key:
        raise ValueError("an anonymous vote needs a session")
    return {"user": None, "session_hash": session_hash(session_key)}


def record_feedback(article_id, *, helped: bool, user=None, session_key: str | None = None,
                    public: bool = False) -> tuple[Article, bool]:
    """Count "this helped" (or "this did not help") once per signed-in reader and article, or once
    per session for anonymous readers of public articles. Returns the article with its current
    counts and whether this vote counted (False: this reader had voted already)."""
    article = access.access_article(user, article_id, public=public)
    if article.status != Article.Status.PUBLISHED:
        raise Http404
    counted = True
    try:
        with transaction.atomic():
            ArticleFeedback.objects.create(article=article, helped=helped, **_voter(user, session_key))
            field = "helped_count" if helped else "not_helped_count"
            Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})
    except IntegrityError:  # the unique constraint: this reader's vote is in already
        counted = False
    article.refresh_from_db(fields=["helped_count", "not_helped_count"])
    return article, counted


def user_votes(user, article_ids, *, session_key: str | None = None) -> dict[int, bool]:
    """{article id: helped?} for the articles this reader (or anonymous session) voted on."""
    if not article_ids:
        return {}
    try:
        voter = _voter(user, session_key)
    except ValueError:
        return {}
    rows = ArticleFeedback.objects.filter(article_id__in=article_ids, **voter)
    return dict(rows.values_list("article_id", "helped"))


# --- demo articles -------------------------------------------------------------------------

def seed_articles(actor=None) -> list[Article]:
    """Create the demo knowledge base (about eight articles in English, simplified and traditional
    Chinese, most of them public) unless it is there; returns the articles it created. Goes
    through the write path (sanitised, indexed, audited; ``actor`` None = the system)."""
    from kehu.identity.names import to_traditional
    from kehu.knowledge.demo_articles import ARTICLES, CATEGORIES

    categories = {}
    for position, (key, name_en, name_zh) in enumerate(CATEGORIES):
        categories[key] = Category.objects.filter(name_en=name_en).first() or Category.objects.create(
            name_en=name_en, name_zh_hans=name_zh, name_zh_hant=to_traditional(name_zh), position=position)
    created = []
    for item in ARTICLES:
        if Article.objects.filter(title_en=item["title_en"]).exists():
            continue
        data = {key: item[key] for key in ("title_en", "body_en", "title_zh_hans", "body_zh_hans")}
        data.update(title_zh_hant=to_traditional(item["title_zh_hans"]),
                    body_zh_hant=to_traditional(item["body_zh_hans"]),
                    category=categories[item["category"]], tags=item["tags"], topics=item["topics"],
                    visibility=item["visibility"], last_reviewed=timezone.localdate())
        created.append(_create(actor, publish=True, **data))
    return created
