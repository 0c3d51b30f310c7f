"""Knowledge base pages: staff reading and editing, and the public pages (no login).

Thin: which articles a user may read is ``knowledge.access``; writes, search and votes are
``knowledge.services``. Public pages always ask for the public scope, whoever is signed in.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from kehu.knowledge import access, services
from kehu.knowledge.forms import ArticleForm, CategoryForm
from kehu.knowledge.models import LANGUAGES, Article, Category, Topic, suffix
from kehu.web.pagination import page_of

PAGE_SIZE = 20
CHANGE_CATEGORY = "knowledge.change_category"


def _page(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


def _filters(request, *, public: bool) -> dict:
    category = request.GET.get("category", "")
    filters = {"q": request.GET.get("q", "").strip()[:200],
               "category": int(category) if category.isdigit() else None,
               "topic": request.GET.get("topic", "") if request.GET.get("topic") in Topic.values else ""}
    if not public:
        filters["tag"] = request.GET.get("tag", "").strip()[:50]
        if access.can_edit(request.user):
            filters["status"] = request.GET.get("status", "")
    return filters


def _listing(request, *, public: bool, template: str, extra: dict):
    filters = _filters(request, public=public)
    qs = services.find_articles(request.user, public=public, **filters).select_related("category")
    page = _page(request)
    articles, has_next = page_of(qs, page, PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, template, {
        "articles": articles, "page": page, "has_next": has_next, "query_string": query.urlencode(),
        "filters": filters, "categories": list(Category.objects.all()), "topics": Topic.choices,
        **extra})


def _version(request, article: Article):
    """The version asked for with ?lang=, else the reader's language (or the nearest there is)."""
    lang = request.GET.get("lang")
    if lang in LANGUAGES:
        version = article.exact_version(lang)
        if version is not None:
            return version
    return article.shown()


# --- staff pages ---------------------------------------------------------------------------

@login_required
@permission_required(access.VIEW, raise_exception=True)
@require_GET
def home(request):
    return _listing(request, public=False, template="knowledge/home.html", extra={
        "nav": "knowledge", "can_add": access.can_add(request.user), "can_edit": access.can_edit(request.user),
        "can_edit_categories": request.user.has_perm(CHANGE_CATEGORY), "statuses": Article.Status.choices})


@login_required
@permission_required(access.VIEW, raise_exception=True)
@require_GET
def article_detail(request, pk):
    article = access.access_article(request.user, pk)
    return render(request, "knowledge/article.html", {
        "article": article, "version": _version(request, article), "nav": "knowledge",
        "tags": list(article.tags.all()), "topic_codes": article.topic_codes,
        "vote": services.user_votes(request.user, [article.pk]).get(article.pk),
        "can_edit": access.can_edit(request.user), "can_publish": access.can_publish(request.user),
        "feedback_url": reverse("knowledge:feedback", args=[article.pk])})


def _feedback_response(request, article, counted, *, feedback_url, public):
    vote = services.user_votes(request.user, [article.pk],
                               session_key=request.session.session_key).get(article.pk)
    if request.htmx:
        return render(request, "knowledge/feedback.html", {
            "article": article, "vote": vote, "counted": counted, "feedback_url": feedback_url,
            "compact": request.POST.get("compact") == "1",
            "show_counts": not public and access.can_edit(request.user)})
    if counted:
        messages.success(request, _("Thank you for telling us."))
    else:
        messages.info(request, _("You had already told us about this article; it counts once."))
    name = "knowledge:public-article" if public else "knowledge:article"
    return redirect(name, article.pk)


@login_required
@permission_required(access.VIEW, raise_exception=True)
@require_POST
def article_feedback(request, pk):
    """"This helped" / "this did not help" (htmx or a plain form post), counted once per user."""
    article, counted = services.record_feedback(pk, helped=request.POST.get("helped") == "1",
                                                user=request.user)
    return _feedback_response(request, article, counted, public=False,
                              feedback_url=reverse("knowledge:feedback", args=[pk]))


def _previews(form) -> list[dict]:
    previews = []
    for lang, name, title, body in form.language_sections():
        if form.cleaned_data.get(title.name) or form.cleaned_data.get(body.name):
            previews.append({"language": lang, "name": name, "title": form.cleaned_data.get(title.name),
                             "body": form.cleaned_data.get(body.name)})
    return previews


def _editor(request, form, *, article, save):
    """The editor's POST: preview (nothing saved) or save via ``save(data, action)``."""
    context = {"form": form, "article": article, "creating": article is None, "nav": "knowledge",
               "can_publish": access.can_publish(request.user)}
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "save")
        if action == "preview":
            context["previews"] = _previews(form)
        else:
            try:
                saved = save(form.service_data(), action)
            except ValidationError as exc:
                form.add_service_errors(exc.message_dict)
            except services.StaleVersion as exc:
                form.add_error(None, str(exc))
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("You may not do this."))
            else:
                messages.success(request, _("The article was saved."))
                return redirect("knowledge:article", saved.pk)
    return render(request, "knowledge/form.html", context, status=422 if form.errors else 200)


@login_required
@permission_required(access.ADD, raise_exception=True)
@require_http_methods(["GET", "POST"])
def article_create(request):
    form = ArticleForm(request.POST or None)
    return _editor(request, form, article=None, save=lambda data, action: services.create_article(
        request.user, publish=action == "publish", **data))


@login_required
@permission_required(access.CHANGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def article_edit(request, pk):
    article = access.access_article(request.user, pk, for_change=True)
    initial = {f"{part}_{suffix(lang)}": getattr(article, f"{part}_{suffix(lang)}")
               for lang in LANGUAGES for part in ("title", "body")}
    initial.update(category=article.category_id, visibility=article.visibility,
                   last_reviewed=article.last_reviewed, version=article.version,
                   topics=article.topic_codes, tags=", ".join(t.name for t in article.tags.all()))
    form = ArticleForm(request.POST or None, initial=initial)

    def save(data, action):
        return services.update_article(request.user, article.pk, publish=True if action == "publish" else None,
                                       expected_version=form.cleaned_data.get("version") or 0, **data)

    return _editor(request, form, article=article, save=save)


@login_required
@permission_required(access.PUBLISH, raise_exception=True)
@require_POST
def article_publish(request, pk):
    article = access.access_article(request.user, pk, for_change=True)
    publish = request.POST.get("action") != "unpublish"
    services.publish_article(request.user, article.pk, publish=publish)
    messages.success(request, _("The article is published.") if publish
                     else _("The article is a draft again; readers no longer see it."))
    return redirect("knowledge:article", article.pk)


@login_required
@permission_required(CHANGE_CATEGORY, raise_exception=True)
@require_http_methods(["GET", "POST"])
def categories(request, pk=None):
    """The list of categories, with a form to add one (or to rename the one at ``pk``)."""
    category = get_object_or_404(Category, pk=pk) if pk is not None else None
    initial = {} if category is None else {
        "name_en": category.name_en, "name_zh_hans": category.name_zh_hans,
        "name_zh_hant": category.name_zh_hant, "position": category.position}
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_category(request.user, pk, **{k: v for k, v in form.cleaned_data.items()
                                                         if v is not None})
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The category was saved."))
            return redirect("knowledge:categories")
    return render(request, "knowledge/categories.html", {
        "form": form, "category": category, "categories": list(Category.objects.all()), "nav": "knowledge"},
        status=422 if form.errors else 200)


# --- public pages --------------------------------------------------------------------------

@require_GET
def public_home(request):
    return _listing(request, public=True, template="knowledge/public/home.html", extra={})


@require_GET
def public_article(request, pk):
    article = access.access_article(request.user, pk, public=True)
    session_key = request.session.session_key
    return render(request, "knowledge/public/article.html", {
        "article": article, "version": _version(request, article),
        "vote": services.user_votes(request.user, [article.pk], session_key=session_key).get(article.pk),
        "feedback_url": reverse("knowledge:public-feedback", args=[article.pk])})


@require_POST
@ratelimit(key="ip", rate="60/h", method="POST", block=False)
def public_feedback(request, pk):
    """Votes on public articles: per signed-in user, or per session for anonymous readers."""
    if getattr(request, "limited", False):
        return HttpResponse(_("Too many votes from this address; try again later."), status=429,
                            content_type="text/plain; charset=utf-8")
    if not request.user.is_authenticated and not request.session.session_key:
        request.session["knowledge_reader"] = True  # a session, so the vote counts once per session
        request.session.save()
    article, counted = services.record_feedback(
        pk, helped=request.POST.get("helped") == "1", user=request.user,
        session_key=request.session.session_key, public=True)
    return _feedback_response(request, article, counted, public=True,
                              feedback_url=reverse("knowledge:public-feedback", args=[pk]))
