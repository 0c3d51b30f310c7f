"""Import fixtures."""

import pytest


@pytest.fixture
def failing_apply(monkeypatch):
    """``failing_apply(n, error)``: the n-th chunk a customer import writes raises ``error``;
    returns a function that puts the real ``apply`` back."""
    from kehu.imports.targets import customers as target

    real = target.CustomerImport.apply

    def arm(n: int, error: BaseException):
        calls = {"n": 0}

        def apply(self, plan, changes):
            calls["n"] += 1
            if calls["n"] == n:
                raise error
            return real(self, plan, changes)

        monkeypatch.setattr(target.CustomerImport, "apply", apply)
        return lambda: monkeypatch.setattr(target.CustomerImport, "apply", real)

    return arm
