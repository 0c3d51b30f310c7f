"""Kehu (客户): an open-source CRM built around the customer information file."""

__version__ = "0.1.0"
