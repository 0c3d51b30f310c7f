"""Users, teams and admin bootstrap."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from kehu.accounts.models import Team, TeamMembership
from kehu.env import write_secret_file


def generate_password() -> str:
    return secrets.token_urlsafe(15)


@transaction.atomic
def create_user(username: str, *, role: str, password: str | None, team: Team | None = None,
                is_manager: bool = False, email: str = "", first_name: str = "", last_name: str = ""):
    """Create a user in one role group (and team). ``password=None`` leaves it unusable."""
    User = get_user_model()
    user = User(username=username, email=email, first_name=first_name, last_name=last_name,
                is_staff=role == "admin", is_superuser=role == "admin")
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    if team is not None:
        TeamMembership.objects.create(team=team, user=user, is_manager=is_manager)
    return user


def create_admin_once(data_dir, username: str = "admin") -> tuple[str, str | None]:
    """Create the first admin with a generated password, saved to ``var/admin-password`` (600).

    Returns (username, password) the first time and (username, None) when the admin exists,
    so the password is printed exactly once.
    """
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        return username, None
    password = generate_password()
    create_user(username, role="admin", password=password)
    write_secret_file(data_dir / "admin-password", f"{username}\n{password}\n")
    return username, password
