"""The users ``bench/load.py`` sends against the served platform (locust, headless). Not run on its own: load.py
writes the data file (LOAD_DATA: owners with their tokens and cars, the shop manager, the stores and what they price)
and names the user class of each case on locust's command line.

- ``NearbyUser``, ``NearbyPriceUser``, ``AvailabilityUser``: one endpoint each, no pause between requests (the
  single-endpoint goals of issue 16).
- ``MixUser``: what owners and shops do, by weight: 55 nearby searches (a third with ``service=`` and
  ``sort=price|soonest``), 20 store page + availability, 10 quotes, 10 book → pay → sandbox notification, 5 reviews
  and the shop's schedule.

A 409 ``slot_unavailable`` when booking is a race lost to another user, not an error: it is counted as a success
under its own name. Every other status a request does not expect is a failure.
"""

import datetime as dt
import json
import os
import random
import uuid
from pathlib import Path

from locust import FastHttpUser, constant, task

DATA = json.loads(Path(os.environ["LOAD_DATA"]).read_text(encoding="utf-8"))
ZONE = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai, where every demo store is
SORTS = ("price", "soonest")


def _point(rnd: random.Random) -> tuple[float, float]:
    lat, lng = DATA["center"]
    spread = DATA["spread_deg"]
    return lat + rnd.uniform(-spread, spread), lng + rnd.uniform(-spread, spread)


def _day(rnd: random.Random) -> str:
    return (dt.datetime.now(ZONE).date() + dt.timedelta(days=rnd.randint(0, DATA["days"]))).isoformat()


class _Chefu(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    _next_owner = 0

    def on_start(self) -> None:
        self.rnd = random.Random()
        owners = DATA["owners"]
        owner = owners[_Chefu._next_owner % len(owners)]
        _Chefu._next_owner += 1
        self.owner_headers = {"Authorization": f"Bearer {owner['token']}"}
        self.vehicle_id = owner["vehicle_id"]

    def _get(self, path: str, name: str, **kwargs):
        with self.client.get(path, name=name, catch_response=True, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            return response

    def nearby(self) -> None:
        lat, lng = _point(self.rnd)
        self._get(f"/api/v1/stores/nearby?lat={lat:.6f}&lng={lng:.6f}&radius_km=5", "GET /stores/nearby")

    def nearby_sorted(self, sort: str) -> None:
        lat, lng = _point(self.rnd)
        service = self.rnd.choice(DATA["services"])
        self._get(
            f"/api/v1/stores/nearby?lat={lat:.6f}&lng={lng:.6f}&radius_km=5&service={service}&sort={sort}",
            f"GET /stores/nearby?service&sort={sort}",
        )

    def _offer(self) -> tuple[int, str]:
        store = self.rnd.choice(DATA["stores"])
        return store["id"], self.rnd.choice(store["services"])

    def availability(self, store_id: int, service: str, day: str):
        return self._get(
            f"/api/v1/stores/{store_id}/availability?service={service}&date={day}", "GET /stores/{id}/availability"
        )


class NearbyUser(_Chefu):
    @task
    def search(self) -> None:
        self.nearby()


class NearbyPriceUser(_Chefu):
    @task
    def search(self) -> None:
        self.nearby_sorted("price")


class AvailabilityUser(_Chefu):
    @task
    def day(self) -> None:
        store_id, service = self._offer()
        self.availability(store_id, service, _day(self.rnd))


class MixUser(_Chefu):
    @task(37)
    def search(self) -> None:
        self.nearby()

    @task(18)
    def search_sorted(self) -> None:
        self.nearby_sorted(self.rnd.choice(SORTS))

    @task(20)
    def store_page(self) -> None:
        store_id, service = self._offer()
        self._get(f"/api/v1/stores/{store_id}", "GET /stores/{id}")
        self.availability(store_id, service, _day(self.rnd))

    @task(10)
    def quote(self) -> None:
        store_id, service = self._offer()
        self._get(
            f"/api/v1/stores/{store_id}/quote?service={service}&vehicle_id={self.vehicle_id}",
            "GET /stores/{id}/quote",
            headers=self.owner_headers,
        )

    @task(10)
    def book_and_pay(self) -> None:
        store_id, service = self._offer()
        day = self.availability(store_id, service, _day(self.rnd))
        slots = day.json()["slots"] if day.status_code == 200 else []
        if not slots:
            return
        start = self.rnd.choice(slots)["start"]
        body = {"store_id": store_id, "service_code": service, "vehicle_id": self.vehicle_id, "start": start}
        booked = self._post("/api/v1/bookings", "POST /bookings", 201, body, idempotent=True)
        if booked is None:
            return
        paying = self._post(
            f"/api/v1/bookings/{booked['id']}/pay",
            "POST /bookings/{id}/pay",
            201,
            {"provider": "sandbox"},
            idempotent=True,
        )
        if paying is None:
            return
        self._post(
            f"/api/v1/payments/sandbox/{paying['payment_id']}/simulate",
            "POST /payments/sandbox/{id}/simulate",
            200,
            {"result": "success"},
        )

    def _post(self, path: str, name: str, expected: int, body: dict, *, idempotent: bool = False) -> dict | None:
        """The answer's JSON when ``path`` answered ``expected``; None otherwise (a failure, or a booking's race lost
        to another user, which is no failure)."""
        headers = {**self.owner_headers, "Idempotency-Key": uuid.uuid4().hex} if idempotent else self.owner_headers
        with self.client.post(path, json=body, headers=headers, name=name, catch_response=True) as response:
            if response.status_code == 409 and '"slot_unavailable"' in response.text:
                response.success()  # another user took the bay first
                return None
            if response.status_code != expected:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            return response.json()

    @task(3)
    def reviews(self) -> None:
        store_id, _service = self._offer()
        self._get(f"/api/v1/stores/{store_id}/reviews", "GET /stores/{id}/reviews")

    @task(2)
    def schedule(self) -> None:
        manager = DATA["manager"]
        self._get(
            f"/api/v1/partner/stores/{manager['store_id']}/schedule?date={_day(self.rnd)}",
            "GET /partner/stores/{id}/schedule",
            headers={"Authorization": f"Bearer {manager['token']}"},
        )
