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
        + _DUPLICATES + _MERGE
    ),
    SALES: (
        _perms(_CIF, ["view", "add", "change"])
        + _perms(["customfielddefinition"], ["view"])
        + _perms(["product"], ["view"], "orders")
        + _perms(["order", "orderline"], ["view", "add", "change"], "orders")
        + _perms(["consent"], ["view", "add"], "privacy")
        + ["privacy.view_pii", EXPORT, IMPORT]
        + _VALUE + _DUPLICATES
    ),
    SERVICE: (
        _perms(["customer", "contact", "address", "channelidentity"], ["view", "change"])
        + _perms(["interaction"], ["view", "add", "change"])
        + _perms(["tag", "customfielddefinition"], ["view"])
        + _perms(["product", "order", "orderline"], ["view"], "orders")
        + _perms(["consent"], ["view", "add"], "privacy")
        + ["privacy.view_pii", "customers.view_all_customers"]
        + _VALUE + _DUPLICATES
    ),
    MARKETING: (
        _perms(["customer", "contact", "address", "channelidentity", "interaction"], ["view"])
        + _perms(["tag"], ["view", "add", "change"])
        + _perms(["customfielddefinition"], ["view"])
        + _perms(["product", "order", "orderline"], ["view"], "orders")
        + _perms(["consent"], ["view"], "privacy")
        + ["customers.view_all_customers", EXPORT]
        + _VALUE
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
