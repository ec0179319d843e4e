"""gunicorn's settings for Chefu, read by scripts/serve.sh (``make run``) and deploy/chefu-web.service (``-c``).
Command-line flags and GUNICORN_CMD_ARGS still override each of them.

The serving model, chosen with ``bench/load.py`` (figures in docs/serving.md): sync workers, 2 per core plus one.
A request is mostly Python (routing, validation, JSON) with a few short PostgreSQL and Redis round trips in between,
so a core is kept busy by about two processes; more only add memory and context switches, and threads
(``gthread``) share one interpreter lock, so they add nothing a process would not. Each worker keeps its
PostgreSQL connection across requests (``CONN_MAX_AGE``, checked before reuse), so the database sees at most
``workers`` connections per web node (and the replica as many, when there is one): no pooler is needed at this size.
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
# Keep-alive for nginx's upstream connections (deploy/nginx/chefu.conf keeps them open).
keepalive = 5
timeout = 30
graceful_timeout = 30
# A worker is replaced after this many requests (with jitter, so they are not all replaced at once): memory a
# long-running process gathers is given back.
max_requests = 20000
max_requests_jitter = 2000
# One line per request comes from chefu.observability.middleware (with the request id, in JSON when LOG_FORMAT=json).
# gunicorn's own access log would be a second one: off unless asked for (--access-logfile - or GUNICORN_CMD_ARGS).
accesslog = None


def child_exit(server, worker):
    """A worker has exited (replaced after a crash or a timeout, or on a HUP): prometheus_client forgets its live
    gauges in PROMETHEUS_MULTIPROC_DIR. Its counters' files stay, so the totals a scrape adds up never go back."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
