"""The Content-Security-Policy (django-csp): the site's own policy everywhere, a looser one for the back office.

The site's pages run only scripts from STATIC_URL (``script-src 'self'``, a nonce for the rare inline one); their
data travels in ``<script type="application/json">`` blocks, which are never run. The back office (Wagtail's
/admin/, Django's /django-admin/) and the API's interactive docs are third-party pages with inline scripts and
styles of their own, used by staff and developers: they get ``CONTENT_SECURITY_POLICY_BACK_OFFICE`` instead, which
allows those but keeps the rest (no plugins, no framing by other sites, no foreign base URL, same-origin requests).
"""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class ChefuCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(tuple(settings.CSP_BACK_OFFICE_PREFIXES)):
            parts.replace = {**settings.CONTENT_SECURITY_POLICY_BACK_OFFICE, **(parts.replace or {})}
        return parts
