"""What the platform tells its operators: the request id carried from a request into the tasks it queues, the logs
(plain text or JSON), and Sentry. Metrics and readiness read the apps, so they live above them (``ops``)."""
