"""One handler per import target: look up what the rows refer to, plan, and write in bulk."""

from kehu.imports.targets.base import Plan, PlannedRow  # noqa: F401


def handler_for(job, actor):
    from kehu.imports.targets import customers, leads, orders, simple

    handlers = {"customers": customers.CustomerImport, "orders": orders.OrderImport,
                "products": simple.ProductImport, "contacts": simple.ContactImport,
                "interactions": simple.InteractionImport, "consents": simple.ConsentImport,
                "leads": leads.LeadImport}
    return handlers[job.target](job, actor)
