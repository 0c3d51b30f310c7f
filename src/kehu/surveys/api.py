"""REST, read-only: surveys with their questions, and responses with their answers (only those
of the customers the caller may see)."""

import django_filters
from rest_framework import serializers, viewsets

from kehu.surveys import access
from kehu.surveys.models import Answer, Question, Response, Survey


class SurveyQuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ["id", "position", "kind", "text_en", "text_zh_hans", "text_zh_hant", "required", "scale",
                  "dimension", "custom_dimension", "choices"]
        read_only_fields = fields


class SurveySerializer(serializers.ModelSerializer):
    questions = SurveyQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Survey
        fields = ["id", "name", "title_en", "title_zh_hans", "title_zh_hant", "intro_en", "intro_zh_hans",
                  "intro_zh_hant", "default_language", "trigger", "channel", "order_delay_days", "is_active",
                  "template_key", "created_at", "updated_at", "questions"]
        read_only_fields = fields


class SurveyAnswerSerializer(serializers.ModelSerializer):
    question = serializers.IntegerField(source="question_id", read_only=True)

    class Meta:
        model = Answer
        fields = ["question", "number", "expectation", "choice", "text"]
        read_only_fields = fields


class SurveyResponseSerializer(serializers.ModelSerializer):
    survey = serializers.IntegerField(source="survey_id", read_only=True)
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    answers = SurveyAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Response
        fields = ["id", "survey", "customer", "language", "submitted_at", "nps", "csat", "tier", "answers"]
        read_only_fields = fields


class SurveyViewSet(viewsets.ReadOnlyModelViewSet):
    """Questionnaires and their questions (needs ``surveys.view_survey``)."""

    serializer_class = SurveySerializer
    filterset_fields = ["is_active", "trigger"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return Survey.objects.prefetch_related("questions").order_by("-created_at", "-id")


class SurveyResponseFilter(django_filters.FilterSet):
    submitted_after = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt")

    survey = django_filters.NumberFilter(field_name="survey_id")
    customer = django_filters.NumberFilter(field_name="customer_id")

    class Meta:
        model = Response
        fields = ["survey", "customer", "tier"]


class SurveyResponseViewSet(viewsets.ReadOnlyModelViewSet):
    """Survey responses of the customers you may see (needs ``surveys.view_response``)."""

    serializer_class = SurveyResponseSerializer
    filterset_class = SurveyResponseFilter
    ordering = ["-submitted_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Response.objects.none()
        return (access.visible_responses(self.request.user).prefetch_related("answers")
                .order_by("-submitted_at", "-id"))
