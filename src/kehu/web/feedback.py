"""Telling the user what a service refused, on the next page."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def flash_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)
