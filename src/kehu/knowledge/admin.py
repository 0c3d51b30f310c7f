from django.contrib import admin
from django.core.exceptions import ValidationError

from kehu.knowledge import services
from kehu.knowledge.models import Article, ArticleFeedback, Category, Tag
from kehu.privacy.admin import ReadOnlyAdmin


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Categories are saved through the service (audited), as on the knowledge base's own page."""

    list_display = ["name_en", "name_zh_hans", "name_zh_hant", "position"]
    list_editable = ["position"]

    def save_model(self, request, obj, form, change):
        try:
            saved = services.save_category(
                request.user, obj.pk if change else None, name_en=obj.name_en,
                name_zh_hans=obj.name_zh_hans, name_zh_hant=obj.name_zh_hant, position=obj.position)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), level="error")
            return
        obj.pk = saved.pk


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    """Read-only here: articles are written on the knowledge base's editor pages, which sanitise,
    index and audit them."""

    list_display = ["__str__", "category", "visibility", "status", "last_reviewed", "helped_count",
                    "not_helped_count", "updated_at"]
    list_filter = ["status", "visibility", "category"]
    exclude = ["tags"]


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(ReadOnlyAdmin):
    list_display = ["article", "user", "helped", "created_at"]
    list_filter = ["helped"]
    show_full_result_count = False
