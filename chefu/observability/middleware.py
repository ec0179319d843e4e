"""The request id of each request, and one log line per request."""

import logging
import time

from chefu.observability.context import request_id_bound, request_id_clean, request_id_new

logger = logging.getLogger("chefu.request")

HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Binds the request's id for everything the request runs (logs, tasks it queues) and answers it in
    ``X-Request-ID``: the caller's (or the proxy's) own when it looks sane, else a new one. Outermost, so that every
    answer carries it, errors included; the id is also ``request.request_id``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_clean(request.headers.get(HEADER)) or request_id_new()
        request.request_id = request_id
        started = time.perf_counter()
        with request_id_bound(request_id):
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            # The path without its query string: a query may carry a phone number or a token.
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
        response[HEADER] = request_id
        return response
