"""Sandbox variants standing for a provider that is slow or down, put in place through ``PAYMENT_PROVIDERS``:

    settings.PAYMENT_PROVIDERS = {**settings.PAYMENT_PROVIDERS, "sandbox": "tests.fakes.payment_providers.GatedSandbox"}

``GatedSandbox.create`` says it has started (``GATE.entered``) and waits for the test to open ``GATE.release``
before answering like the sandbox, so a test can look at the database while the call is in progress.
``DownSandbox.create`` fails the way Alipay does when it cannot be reached; ``TransferOutageSandbox.transfer`` too,
for as many calls as ``OUTAGE.remaining`` says, then pays.
"""

import threading
from dataclasses import dataclass, field

from payments.providers.base import CreatedPayment, ProviderUnavailable
from payments.providers.sandbox import SandboxProvider

GATED = "tests.fakes.payment_providers.GatedSandbox"
DOWN = "tests.fakes.payment_providers.DownSandbox"
WAIT_S = 20


@dataclass
class Gate:
    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    calls: int = 0

    def reset(self) -> None:
        self.entered.clear()
        self.release.clear()
        self.calls = 0


GATE = Gate()


class GatedSandbox(SandboxProvider):
    def create(self, **kwargs) -> CreatedPayment:
        GATE.calls += 1
        GATE.entered.set()
        if not GATE.release.wait(WAIT_S):
            raise ProviderUnavailable("The test never released the gate.")
        return super().create(**kwargs)


class DownSandbox(SandboxProvider):
    def create(self, **kwargs) -> CreatedPayment:
        raise ProviderUnavailable("Alipay cannot be reached: timed out")


TRANSFER_DOWN = "tests.fakes.payment_providers.TransferOutageSandbox"


@dataclass
class Outage:
    """How many more transfers fail as if the provider could not be reached."""

    remaining: int = 0


OUTAGE = Outage()


class TransferOutageSandbox(SandboxProvider):
    """The sandbox, but its transfers time out while ``OUTAGE.remaining`` lasts (each failed call uses one up)."""

    def transfer(self, **kwargs):
        if OUTAGE.remaining > 0:
            OUTAGE.remaining -= 1
            raise ProviderUnavailable("Alipay cannot be reached: timed out")
        return super().transfer(**kwargs)
