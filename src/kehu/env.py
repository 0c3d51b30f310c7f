"""Typed readers for the environment: every ``KEHU_*`` setting goes through one of these.

Keeping them here (not in settings.py) lets the CLI read the same values before Django is set up.
"""

import os
from pathlib import Path

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not an integer") from None


def setting_int(name: str, default: int) -> int:
    """A Django setting if one is made (tests do), else the ``KEHU_*`` environment variable: for
    limits read at run time, after settings are loaded."""
    from django.conf import settings

    configured = getattr(settings, name, None)
    return int(configured) if configured is not None else env_int(name, default)


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def repo_root() -> Path:
    """The checkout (src layout) or, when installed elsewhere, the working directory."""
    here = Path(__file__).resolve().parent
    candidate = here.parent.parent
    if (candidate / "pyproject.toml").exists():
        return candidate
    return Path.cwd()


def data_dir() -> Path:
    """Where Kehu keeps its database, secret key, admin password and static files."""
    path = Path(env_str("KEHU_DATA_DIR", str(repo_root() / "var")))
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_secret_file(path: Path, content: str) -> None:
    """Create a file readable by its owner only (mode 600), atomically."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(content)
    os.chmod(path, 0o600)
