"""/api/v1/ endpoints for sales: activities."""


def register(router) -> None:
    """Add this area's viewsets to the /api/v1/ router."""
