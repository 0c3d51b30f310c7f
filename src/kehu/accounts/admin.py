from django.contrib import admin

from kehu.accounts.models import Team, TeamMembership


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    inlines = [MembershipInline]
