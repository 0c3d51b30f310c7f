"""REST API for service cases: read what you may see, open a case, answer it, move it a step.
Thin: every write goes through ``kehu.service.services``."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kehu.service import services
from kehu.service.access import visible_cases
from kehu.service.models import Case, CaseCategory, CaseMessage, Proposal
from kehu.web.api_base import VisibleCustomerField


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseMessage
        fields = ["id", "direction", "channel", "body", "author", "from_address", "sent_at"]


class ProposalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Proposal
        fields = ["id", "kind", "amount", "description", "status", "customer_wants", "proposed_at", "answered_at"]


class CaseSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=CaseCategory.objects.filter(active=True))
    customer = VisibleCustomerField(required=False, allow_null=True)
    words = serializers.CharField(write_only=True, required=False, allow_blank=True,
                                  help_text="The customer's own words (the first message).")
    messages = MessageSerializer(many=True, read_only=True)
    proposals = ProposalSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = ["id", "reference", "kind", "category", "severity", "channel", "stage", "subject", "customer",
                  "contact_name", "contact_phone", "contact_email", "owner", "team", "customer_words", "words",
                  "what_happened", "happened_on", "expectation", "root_cause", "outcome", "first_response_at",
                  "first_response_due", "resolution_due", "first_response_breached", "resolution_breached",
                  "resolved_at", "closed_at", "created_at", "version", "messages", "proposals"]
        read_only_fields = ["reference", "stage", "owner", "team", "customer_words", "what_happened", "happened_on",
                            "expectation", "root_cause", "outcome", "first_response_at", "first_response_due",
                            "resolution_due", "first_response_breached", "resolution_breached", "resolved_at",
                            "closed_at", "created_at", "version"]


class MoveSerializer(serializers.Serializer):
    to_stage = serializers.ChoiceField(choices=Case.Stage.choices)
    version = serializers.IntegerField(help_text="The version you read: a case moved meanwhile gives 409.")


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField()
    send_email = serializers.BooleanField(default=True)


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):
    serializer_class = CaseSerializer
    filterset_fields = ["kind", "stage", "severity", "channel", "customer", "owner"]
    ordering_fields = ["created_at", "resolution_due"]

    def get_queryset(self):
        return (visible_cases(self.request.user).select_related("category")
                .prefetch_related("messages", "proposals").order_by("-created_at", "-id"))

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.open_case(
            self.request.user, kind=data["kind"], category=data["category"], channel=data["channel"],
            subject=data["subject"], words=data.get("words", ""), severity=data.get("severity", Case.Severity.NORMAL),
            customer=data.get("customer"), contact_name=data.get("contact_name", ""),
            contact_phone=data.get("contact_phone", ""), contact_email=data.get("contact_email", ""))

    @extend_schema(request=MoveSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None, version=None):
        """Move the case to the next stage (400 lists what the step still needs; 409 if stale)."""
        case = get_object_or_404(self.get_queryset(), pk=pk)
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            case = services.advance(request.user, case, body.validated_data["to_stage"],
                                    expected_version=body.validated_data["version"])
        except services.StaleCase as exc:
            return Response({"version": [str(exc)], "current_version": exc.case.version},
                            status=status.HTTP_409_CONFLICT)
        return Response(CaseSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(request=ReplySerializer, responses=MessageSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None, version=None):
        """Answer the customer (by email when they have an address)."""
        case = get_object_or_404(self.get_queryset(), pk=pk)
        body = ReplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message = services.reply(request.user, case, body.validated_data["body"],
                                 send_email=body.validated_data["send_email"])
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
