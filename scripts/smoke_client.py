"""The newcomer's first booking, over HTTP against a served Chefu, with the standard library only.

    python scripts/smoke_client.py http://127.0.0.1:8000

Signs in as the demo owner, books the soonest free slot near People's Square for a service that fits one of the
owner's cars, pays it through the payment sandbox (its notification is delivered by the Celery worker) and waits for
the booking to be ``confirmed``. Exits 0 on success, 1 with the step that failed.
"""

import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

OWNER = {"phone": "13800000001", "password": "chefu-demo-2026"}
NEAR = {"lat": "31.2304", "lng": "121.4737", "radius_km": "20"}
CONFIRM_WITHIN_S = 90


class Failed(Exception):
    pass


class Client:
    def __init__(self, base: str):
        self.base = base.rstrip("/") + "/api/v1"
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict | None = None, **params: str) -> tuple[int, object]:
        url = self.base + path + (f"?{urllib.parse.urlencode(params)}" if params else "")
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
            headers["Idempotency-Key"] = str(uuid.uuid4())
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def expect(self, status: int, method: str, path: str, body: dict | None = None, **params: str):
        got, answer = self.call(method, path, body, **params)
        if got != status:
            raise Failed(f"{method} {path} answered {got}, expected {status}: {answer}")
        return answer


def step(text: str) -> None:
    print(f"smoke: {text}", flush=True)


def book(client: Client) -> dict:
    """The first (vehicle, service, store, slot) that books: a service must fit the car (its quote answers 200)."""
    vehicles = client.expect(200, "GET", "/me/vehicles")["items"]
    services = [s for s in client.expect(200, "GET", "/catalog/services") if s.get("kind", "standard") == "standard"]
    if not vehicles or not services:
        raise Failed("the demo owner has no vehicle, or the catalog no standard service")
    for service in services:
        stores = client.expect(200, "GET", "/stores/nearby", service=service["code"], sort="soonest", **NEAR)["items"]
        for store in [s for s in stores if s.get("next_slot")][:5]:
            for vehicle in vehicles:
                status, quote = client.call(
                    "GET", f"/stores/{store['id']}/quote", service=service["code"], vehicle_id=str(vehicle["id"])
                )
                if status != 200:
                    continue
                status, booking = client.call(
                    "POST",
                    "/bookings",
                    {
                        "store_id": store["id"],
                        "service_code": service["code"],
                        "vehicle_id": vehicle["id"],
                        "start": store["next_slot"],
                    },
                )
                if status == 201:
                    step(
                        f"booked #{booking['id']}: {service['code']} for {vehicle['plate']} at store {store['id']} "
                        f"{booking['start']}, quote {quote['total']}"
                    )
                    return booking
    raise Failed("no store near People's Square took a booking")


def main(base: str) -> None:
    client = Client(base)
    health = client.expect(200, "GET", "/health")
    if health != {"status": "ok", "database": "ok", "broker": "ok"}:
        raise Failed(f"health: {health}")
    step(f"health {health}")
    client.token = client.expect(200, "POST", "/auth/token", OWNER)["token"]
    step("signed in as the demo owner")
    booking = book(client)
    payment = client.expect(201, "POST", f"/bookings/{booking['id']}/pay", {"provider": "sandbox"})
    step(f"payment #{payment['payment_id']} of {payment['amount']} opened")
    client.expect(200, "POST", f"/payments/sandbox/{payment['payment_id']}/simulate", {"result": "success"})
    step("paid in the sandbox; waiting for the worker to deliver its notification")
    deadline = time.monotonic() + CONFIRM_WITHIN_S
    while True:
        current = client.expect(200, "GET", f"/bookings/{booking['id']}")
        if current["status"] == "confirmed":
            break
        if time.monotonic() > deadline:
            raise Failed(f"booking #{booking['id']} is still {current['status']} after {CONFIRM_WITHIN_S} s")
        time.sleep(0.5)
    if current["amount_paid"] != current["amount_due"]:
        raise Failed(f"confirmed, but paid {current['amount_paid']} of {current['amount_due']}")
    step(f"booking #{booking['id']} confirmed, paid {current['amount_paid']}")


if __name__ == "__main__":
    try:
        main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
    except Failed as failure:
        print(f"smoke: FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
