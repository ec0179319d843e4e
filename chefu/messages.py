"""Django's messages (the one-time notices a page shows after a redirect, "Booking cancelled") for the site's pages.

The API never shows them: an API request skips setting their storage up (a cookie storage and a session storage,
built for every request) and updating it. A call to ``django.contrib.messages`` while answering one would raise
``MessageFailure`` (the API answers in its body instead)."""

from django.contrib.messages.middleware import MessageMiddleware

from chefu.errors import is_api_request


class PageMessageMiddleware(MessageMiddleware):
    def process_request(self, request):
        if not is_api_request(request):
            super().process_request(request)
