"""The five roles and what each may do. Groups are (re)synced after every migrate.

Visibility of records (which customers) is decided in ``kehu.customers.access``; these
permissions decide which *actions* a role may take and whether it sees unmasked PII.
"""

from django.utils.translation import gettext_lazy as _

ADMIN, MANAGER, SALES, SERVICE, MARKETING = "admin", "manager", "sales", "service", "marketing"

ROLE_LABELS = {
    ADMIN: _("Administrator"),
    MANAGER: _("Manager"),
    SALES: _("Sales rep"),
    SERVICE: _("Service agent"),
    MARKETING: _("Marketer"),
}

_CIF = ["customer", "contact", "address", "channelidentity", "interaction", "tag", "customershare"]
_ALL = ["view", "add", "change", "delete"]
# Everyone who faces customers sees their value scores (within their visible customers);
# managers may also start a scoring run; only admins change the model settings.
_VALUE = ["scoring.view_customerscore", "scoring.view_scorehistory", "scoring.view_scorerun"]
# Reps and agents see possible duplicates of their customers and may say "not the same person";
# merging (and undoing a merge) and starting a scan of the whole file are for managers.
_DUPLICATES = ["identity.view_duplicatecandidate", "identity.change_duplicatecandidate"]
_MERGE = ["identity.merge_customers", "identity.view_merge", "identity.add_scanrun",
          "identity.view_scanrun"]
# Exporting lists and customer files (kehu.exports). An export holds only what the user may see,
# masked as they see it, and every export is audited. Managers and sales reps export their own
# book of business (call lists, follow-up in Excel); marketers export masked lists for campaigns.
# Service agents do not: they see every customer with personal data in the clear, so one export
# would be the whole file unmasked, and answering a caller never needs a spreadsheet.
EXPORT = "exports.export_data"
# Importing files (kehu.imports): sales reps bring in their own lists (trade-show leads, a
# spreadsheet from an old system) and managers their team's; what a rep may import is further
# limited to the records their role may add. Service agents and marketers do not create customers,
# so they do not import. Managers also see the team's imports (imports.view_importjob).
IMPORT = "imports.import_data"
# The knowledge base (kehu.knowledge): everyone who faces customers reads the internal articles
# too; managers write, edit and publish them (knowledge.publish_article) and keep the categories.
KNOWLEDGE_READ = ["knowledge.view_article", "knowledge.view_category", "knowledge.view_tag"]
KNOWLEDGE_EDIT = KNOWLEDGE_READ + [
    "knowledge.add_article", "knowledge.change_article", "knowledge.publish_article",
    "knowledge.add_category", "knowledge.change_category", "knowledge.add_tag", "knowledge.change_tag"]
# Customer service (kehu.service): agents and managers work cases (the four complaint steps) and
# follow-ups; managers also see the service dashboard and set up categories, SLAs and opening hours
# (in the admin). Sales reps see and open cases of their own customers (a customer tells their rep).
_CASES = ["case", "casemessage", "proposal", "followup"]
SERVICE_DASHBOARD = "service.view_service_dashboard"
# Satisfaction surveys (kehu.surveys): managers and marketers build surveys and send them to
# segments; service agents invite customers (after a case, one by one) and keep the "SMS to send"
# list; everyone who faces customers sees results, a sales rep only of the customers they see.
SURVEY_RESULTS = ["surveys.view_survey", "surveys.view_results", "surveys.view_response"]
SURVEY_BUILD = SURVEY_RESULTS + [
    "surveys.add_survey", "surveys.change_survey", "surveys.delete_survey", "surveys.add_question",
    "surveys.change_question", "surveys.delete_question", "surveys.send_survey", "surveys.send_to_segment",
    "surveys.view_batchsend", "surveys.view_invitation"]
SURVEY_SEND = SURVEY_RESULTS + ["surveys.send_survey", "surveys.view_invitation", "surveys.change_invitation"]
# Sales (kehu.sales): reps work their own leads, opportunities and activities (and their team's
# when they manage it, see kehu.sales.access) and convert leads into customers; managers also keep
# the sources, pipelines and reasons, and retrain the lead score; marketers read every lead
# (campaigns bring them; lead yield per source is their report) but do not work the pipeline.
_SALES_WORK = ["lead", "opportunity", "opportunityline", "activity"]
_SALES_LISTS = ["leadsource", "disqualifyreason", "pipeline", "pipelinestage", "lostreason", "competitor"]
SALES_DASHBOARD = "sales.view_sales_dashboard"


def _perms(models, actions, app="customers"):
    return [f"{app}.{action}_{model}" for model in models for action in actions]


ROLE_PERMISSIONS = {
    ADMIN: None,  # every permission
    MANAGER: (
        _perms(_CIF, _ALL)
        + _perms(["customfielddefinition"], ["view"])
        + _perms(["product", "order", "orderline"], _ALL, "orders")
        + _perms(["consent"], ["view", "add"], "privacy")
        + _perms(["auditentry"], ["view"], "privacy")
        + ["privacy.view_pii", EXPORT, IMPORT, "imports.view_importjob"]
        + _VALUE + ["scoring.add_scorerun", "scoring.view_scoringsettings"]
        + _DUPLICATES + _MERGE + KNOWLEDGE_EDIT
        + _perms(_CASES, ["view", "add", "change"], "service") + [SERVICE_DASHBOARD]
        + _perms(["casecategory", "slapolicy", "businesshours", "holiday"], _ALL, "service")
        + SURVEY_BUILD + ["surveys.change_invitation"]
        + _perms(_SALES_WORK, _ALL, "sales") + _perms(_SALES_LISTS, _ALL, "sales")
        + ["sales.convert_lead", "sales.view_leadscoremodel", "sales.train_lead_score", SALES_DASHBOARD]
    ),
    SALES: (
        _perms(_CIF, ["view", "add", "change"])
        + _perms(["customfielddefinition"], ["view"])
        + _perms(["product"], ["view"], "orders")
        + _perms(["order", "orderline"], ["view", "add", "change"], "orders")
        + _perms(["consent"], ["view", "add"], "privacy")
        + ["privacy.view_pii", EXPORT, IMPORT] + KNOWLEDGE_READ
        + _VALUE + _DUPLICATES
        + _perms(["case", "casemessage", "followup"], ["view", "add", "change"], "service")
        + _perms(["proposal"], ["view"], "service")
        + SURVEY_RESULTS
        + _perms(_SALES_WORK, ["view", "add", "change"], "sales") + _perms(["activity"], ["delete"], "sales")
        + _perms(_SALES_LISTS, ["view"], "sales") + _perms(["competitor"], ["add"], "sales")
        + ["sales.convert_lead", SALES_DASHBOARD]
    ),
    SERVICE: (
        _perms(["customer", "contact", "address", "channelidentity"], ["view", "change"])
        + _perms(["interaction"], ["view", "add", "change"])
        + _perms(["tag", "customfielddefinition"], ["view"])
        + _perms(["product", "order", "orderline"], ["view"], "orders")
        + _perms(["consent"], ["view", "add"], "privacy")
        + ["privacy.view_pii", "customers.view_all_customers"] + KNOWLEDGE_READ
        + _VALUE + _DUPLICATES
        + _perms(_CASES, ["view", "add", "change"], "service")
        + _perms(["casecategory", "slapolicy", "businesshours", "holiday"], ["view"], "service")
        + SURVEY_SEND
    ),
    MARKETING: (
        _perms(["customer", "contact", "address", "channelidentity", "interaction"], ["view"])
        + _perms(["tag"], ["view", "add", "change"])
        + _perms(["customfielddefinition"], ["view"])
        + _perms(["product", "order", "orderline"], ["view"], "orders")
        + _perms(["consent"], ["view"], "privacy")
        + ["customers.view_all_customers", EXPORT] + KNOWLEDGE_READ
        + _VALUE
        + SURVEY_BUILD
        + _perms(["lead", "leadsource"], ["view"], "sales") + ["sales.view_all_leads"]
    ),
}


def sync_role_groups(sender=None, using="default", **kwargs):
    """Create the role groups and set exactly the permissions listed above."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    # post_migrate runs app by app; make sure every app's permissions exist before assigning.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    all_perms = Permission.objects.using(using).select_related("content_type")
    by_code = {f"{p.content_type.app_label}.{p.codename}": p for p in all_perms}
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        wanted = list(by_code.values()) if codes is None else [by_code[c] for c in codes if c in by_code]
        group.permissions.set(wanted)


def user_role(user) -> str | None:
    """The user's main role, for display and for defaults (a user may hold several groups)."""
    if user.is_superuser:
        return ADMIN
    names = {g.name for g in user.groups.all()}
    for role in (ADMIN, MANAGER, SALES, SERVICE, MARKETING):
        if role in names:
            return role
    return None
