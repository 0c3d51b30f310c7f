"""REST: read the knowledge base (``/api/v1/knowledge-articles/``), with ``search``.

Thin: the scope is ``knowledge.access`` (a token without ``knowledge.view_article`` reads public
articles only), the ranking is ``knowledge.services.find_articles``.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from kehu.knowledge import access, services
from kehu.knowledge.models import Article, Category, Topic


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name_en", "name_zh_hans", "name_zh_hant"]
        read_only_fields = fields


class ArticleSerializer(serializers.ModelSerializer):
    category = CategorySerializer(read_only=True, allow_null=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    topics = serializers.SerializerMethodField(help_text="Case category codes the article helps with.")
    languages = serializers.ListField(child=serializers.CharField(), read_only=True,
                                      help_text="The languages the article is written in.")
    helped_count = serializers.IntegerField(read_only=True, help_text="Editors only (else null).")
    not_helped_count = serializers.IntegerField(read_only=True, help_text="Editors only (else null).")

    class Meta:
        model = Article
        fields = ["id", "title_en", "body_en", "title_zh_hans", "body_zh_hans", "title_zh_hant",
                  "body_zh_hant", "languages", "category", "tags", "topics", "visibility", "status",
                  "last_reviewed", "published_at", "updated_at", "helped_count", "not_helped_count"]
        read_only_fields = fields

    def get_topics(self, article) -> list[str]:
        return article.topic_codes

    def to_representation(self, article):
        data = super().to_representation(article)
        request = self.context.get("request")
        if request is None or not access.can_edit(request.user):
            data["helped_count"] = data["not_helped_count"] = None
        return data


SEARCH_PARAMETERS = [
    OpenApiParameter("search", OpenApiTypes.STR, description="Words (Chinese or English); best match first."),
    OpenApiParameter("category", OpenApiTypes.INT),
    OpenApiParameter("topic", OpenApiTypes.STR, enum=Topic.values),
    OpenApiParameter("tag", OpenApiTypes.STR),
]


@extend_schema_view(list=extend_schema(parameters=SEARCH_PARAMETERS))
class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    """Knowledge base articles the caller may read: every published one with
    ``knowledge.view_article`` (drafts too for editors), else the published public ones. Bodies are
    sanitised HTML."""

    serializer_class = ArticleSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = []  # the search ranks; find_articles applies the filters

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema being generated
            return Article.objects.none()
        user, params = self.request.user, self.request.query_params
        category = params.get("category", "")
        qs = services.find_articles(
            user, public=not access.can_read_internal(user), q=params.get("search", "")[:200],
            category=int(category) if category.isdigit() else None,
            topic=params.get("topic", "") if params.get("topic") in Topic.values else "",
            tag=params.get("tag", "")[:50])
        return qs.select_related("category").prefetch_related("tags", "topics")
