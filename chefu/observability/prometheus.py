"""django-prometheus's per-request metrics, less the ones that cost every request and answer no operator question.

Kept: requests by method (``django_http_requests_total_by_method``), responses by status and by status, view and
method (``django_http_responses_total_by_status[_view_method]``), latency by view and method
(``django_http_requests_latency_seconds_by_view_method``), exceptions by type and view, and everything
``PrometheusBeforeMiddleware`` and the database backend count. Left out: requests by transport and by view,
transport and method (the responses by view say it), AJAX requests, responses by charset, streaming responses, and
the request and response body size histograms: each was a metric update on every request (a lock and a write to a
shared file with ``PROMETHEUS_MULTIPROC_DIR``), and a search answers in about two milliseconds of Python. The
latency's method label is the sanitised one, as the counters': any other method is ``<invalid method>``."""

from django_prometheus.middleware import PrometheusAfterMiddleware
from django_prometheus.utils import Time, TimeSince


class LeanPrometheusAfterMiddleware(PrometheusAfterMiddleware):
    def process_request(self, request):
        self.label_metric(self.metrics.requests_by_method, request, method=self._method(request)).inc()
        request.prometheus_after_middleware_event = Time()

    def process_view(self, request, view_func, *view_args, **view_kwargs):
        return None

    def process_response(self, request, response):
        method = self._method(request)
        view = self._get_view_name(request)
        status = str(response.status_code)
        self.label_metric(self.metrics.responses_by_status, request, response, status=status).inc()
        self.label_metric(
            self.metrics.responses_by_status_view_method, request, response, status=status, view=view, method=method
        ).inc()
        started = getattr(request, "prometheus_after_middleware_event", None)
        if started is None:
            self.label_metric(self.metrics.requests_unknown_latency, request, response).inc()
        else:
            self.label_metric(
                self.metrics.requests_latency_by_view_method, request, response, view=view, method=method
            ).observe(TimeSince(started))
        return response
