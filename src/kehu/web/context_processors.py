from kehu.accounts.roles import ROLE_LABELS, user_role
from kehu.privacy.masking import can_view_pii


def kehu(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"pii_visible": False}
    role = user_role(user)
    return {"pii_visible": can_view_pii(user), "user_role": role,
            "user_role_label": ROLE_LABELS.get(role, "")}
