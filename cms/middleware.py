from wagtail.contrib.redirects.middleware import RedirectMiddleware


class SiteRedirectMiddleware(RedirectMiddleware):
    """Wagtail's redirects, for site pages only: an API 404 is an answer, not a moved page, and
    looking it up would cost every such answer a database query."""

    def process_response(self, request, response):
        if request.path.startswith("/api/"):
            return response
        return super().process_response(request, response)
