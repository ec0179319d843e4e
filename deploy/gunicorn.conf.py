"""gunicorn's settings for Chefu, read by scripts/serve.sh (``make run``) and deploy/chefu-web.service (``-c``).
Command-line flags and GUNICORN_CMD_ARGS still override each of them.

The serving model, chosen with ``bench/load.py`` (figures in docs/serving.md): threaded workers (``gthread``), one
process per core plus one, four threads each. A thread keeps its client's connection open between requests (HTTP
keep-alive, nginx's upstream connections or a load generator's): a sync worker answers one request per connection
and then waits for the client to close it, a round trip that holds the whole process. A request is mostly Python
between a few short PostgreSQL and Redis round trips; the threads of a process take turns on its interpreter lock,
so while one waits on the database another runs. Measured on the 2-core machine (nearby search, 16 users): 5 sync
workers about 330 req/s, 3 processes of 4 threads about 570. Each thread keeps its own PostgreSQL connection across
requests (``CONN_MAX_AGE``, checked before reuse): ``workers x threads`` connections per web node (12 on two cores),
and as many on the replica when there is one. No pooler is needed at this size.
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() + 1)
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 4)
# Seconds an idle kept-alive connection stays open (nginx's upstream connections, deploy/nginx/chefu.conf).
keepalive = 5
# With threads, a worker reports itself alive from its main loop: this restarts a worker that hangs as a whole, not
# one slow request. A database that vanished is given up on by TCP keepalives (chefu.settings.base DATABASES).
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
