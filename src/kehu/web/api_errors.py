"""Structured API errors: ``{"field": ["message", …]}``; 409 for an outdated edit."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from kehu.customers.services import StaleVersion


def exception_handler(exc, context):
    if isinstance(exc, StaleVersion):
        return Response({"version": [str(exc)], "current_version": exc.current_version},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            data = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    return drf_handler(exc, context)
