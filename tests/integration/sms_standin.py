"""An SMS gateway standing in for Aliyun's in a worker process (NOTIFICATION_SMS_PROVIDER), keeping what it received
in files under ``$SMS_STANDIN_DIR``, where the test reads them:

- ``requests``: one line per request, the ``out_id`` and the worker's pid;
- ``accepted/<out_id>``: the messages it sent to a phone. Like a real gateway it drops a second request with an
  ``out_id`` it has accepted before, answering with the same id: the phone gets the message once;
- while ``hold`` exists, it accepts a new message and then keeps the worker waiting for its answer (a slow network),
  long enough for a test to kill the worker in the middle of the send.
"""

import os
import time
from pathlib import Path

from notifications.senders import SmsProvider

HOLD_S = 60


class StandinSmsProvider(SmsProvider):
    def __init__(self):
        self.dir = Path(os.environ["SMS_STANDIN_DIR"])

    def send_sms(self, *, phone: str, text: str, out_id: str) -> str:
        with (self.dir / "requests").open("a") as log:
            log.write(f"{out_id} {os.getpid()}\n")
        accepted = self.dir / "accepted" / out_id
        if accepted.exists():
            return f"standin-{out_id}"
        accepted.write_text(text)
        if (self.dir / "hold").exists():
            time.sleep(HOLD_S)
        return f"standin-{out_id}"


def standin_dir(path: Path, *, hold: bool = False) -> dict[str, str]:
    """Set up ``path`` for the stand-in; the environment a worker process needs to send SMS through it."""
    (path / "accepted").mkdir(parents=True, exist_ok=True)
    (path / "requests").touch()
    if hold:
        (path / "hold").touch()
    return {
        "SMS_STANDIN_DIR": str(path),
        "NOTIFICATION_SENDER_SMS": "notifications.senders.SmsSender",
        "NOTIFICATION_SMS_PROVIDER": "tests.integration.sms_standin.StandinSmsProvider",
    }


def requests(path: Path) -> list[str]:
    """The out_ids of the requests received, in order."""
    return [line.split()[0] for line in (path / "requests").read_text().splitlines() if line]


def accepted(path: Path) -> list[str]:
    return sorted(p.name for p in (path / "accepted").iterdir())
