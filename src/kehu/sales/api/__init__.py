"""/api/v1/ endpoints of the sales app, one module per area."""

from kehu.sales.api import activities, insight, leads, pipeline


def register(router) -> None:
    for area in (leads, pipeline, activities, insight):
        area.register(router)
