"""Read-only admin views: surveys are built in the survey pages (one write path, audited);
invitations, batches and responses are written only by the services."""

from django.contrib import admin

from kehu.privacy.admin import ReadOnlyAdmin
from kehu.surveys.models import Answer, BatchSend, Invitation, Question, Response, Survey


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["position", "kind", "text_en", "text_zh_hans", "required", "dimension"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ["name", "is_active", "trigger", "channel", "created_at"]
    list_filter = ["is_active", "trigger"]
    inlines = [QuestionInline]


@admin.register(BatchSend)
class BatchSendAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "survey", "kind", "status", "matched", "invited", "skipped_opted_out",
                    "skipped_no_contact", "skipped_already"]
    list_filter = ["kind", "status"]
    show_full_result_count = False


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "survey", "customer_id", "channel", "trigger", "status", "answered_at"]
    list_filter = ["channel", "trigger", "status"]
    exclude = ["token_hash", "sms_text"]
    raw_id_fields = ["customer", "order"]
    show_full_result_count = False


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ["question", "number", "expectation", "choice", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ["submitted_at", "survey", "customer_id", "nps", "csat", "tier"]
    list_filter = ["survey", "tier"]
    raw_id_fields = ["customer", "invitation"]
    inlines = [AnswerInline]
    show_full_result_count = False
