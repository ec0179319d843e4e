"""Middleware for tests of where others stand in MIDDLEWARE."""


class SessionReadingMiddleware:
    """Reads the session on the way in, as a middleware that wants the signed-in user might."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.session.get("anything")
        return self.get_response(request)
