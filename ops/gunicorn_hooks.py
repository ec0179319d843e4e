"""gunicorn's configuration hooks: ``--config python:ops.gunicorn_hooks`` (deploy/chefu-web.service,
scripts/serve.sh)."""

import os

from prometheus_client import multiprocess


def child_exit(server, worker) -> None:
    """A worker has exited (replaced after a crash or a timeout, or on a HUP): prometheus_client forgets its live
    gauges in PROMETHEUS_MULTIPROC_DIR. Its counters' files stay, so the totals a scrape adds up never go back."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
