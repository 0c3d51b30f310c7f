"""Where to go after a form: back to the page it came from, never off the site."""

from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, fallback: str) -> str:
    """The form's ``next`` (posted, or in the query string) if it is a page of this site, else
    ``fallback``: a crafted link cannot send the user elsewhere after a save (open redirect)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback
