import time

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.models import User
from chefu.errors import ApplicationError
from demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_PHONES
from demo.services import DemoResult, demo_load, demo_present
from quality.runs import quality_run
from stores.models import Store


class Command(BaseCommand):
    help = "Load invented Shanghai partner shops and the demo accounts (same --stores and --seed, same shops)."

    def add_arguments(self, parser):
        parser.add_argument("--stores", type=int, default=300, help="How many stores (default 300).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when stores or demo accounts already exist."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete all stores, applications and demo accounts first."
        )
        parser.add_argument(
            "--no-quality",
            dest="quality",
            action="store_false",
            help="Leave out the quality history (audits, complaints, sanctions) and the first quality run.",
        )

    def handle(self, *args, stores, seed, if_empty, reset, quality=True, **options):
        if stores < 1:
            raise CommandError("--stores must be at least 1.")
        if if_empty and reset:
            raise CommandError("--if-empty and --reset contradict each other; pick one.")
        if demo_present():
            if if_empty:
                count = Store.objects.count()
                accounts = User.objects.filter(phone__in=DEMO_PHONES).count()
                self.stdout.write(f"Demo data is already there ({count} stores, {accounts} demo accounts); skipping.")
                return
            if not reset:
                raise CommandError("The database already has stores or demo accounts; use --reset to replace them.")
        started = time.monotonic()
        result = self._load(count=stores, seed=seed, reset=reset, quality=quality)
        # The first quality run, after the load commits (a run is not one transaction): the risk table is filled.
        run = quality_run(day=timezone.localdate()) if quality else None
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Loaded {stores} demo stores (seed {seed}) in {elapsed:.1f} s."))
        self._report(result)
        if run is not None:
            self.stdout.write(
                f"Quality run: {run.stores_evaluated} stores evaluated, {run.alerts_raised} alerts,"
                f" {len(run.status_changes)} status changes"
            )

    def _load(self, *, count: int, seed: int, reset: bool, quality: bool) -> DemoResult:
        try:
            return demo_load(count=count, seed=seed, reset=reset, quality=quality)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        except ProtectedError as exc:
            raise CommandError(f"Cannot reset: other data still refers to the stores or demo users ({exc}).") from exc
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message} {exc.details or ''}".strip()) from exc

    def _report(self, result: DemoResult) -> None:
        self.stdout.write(
            "Stores by status: " + ", ".join(f"{status} {n}" for status, n in result.stores_by_status.items())
        )
        self.stdout.write("Stores by district: " + ", ".join(f"{d} {n}" for d, n in result.stores_by_district.items()))
        self.stdout.write(f"Closures in the coming weeks: {result.closures}")
        prices = result.prices
        self.stdout.write(
            f"Price lists: {prices.offerings} offerings ({prices.versions} versions, {prices.lines} part lines);"
            f" {prices.expensive_stores} stores priced far above the city median for QA to find"
        )
        if result.bookings:
            self.stdout.write(
                f"Bookings: {result.bookings.store_bookings} at the demo manager's store today and tomorrow,"
                f" {result.bookings.owner_bookings} of the demo owner's own"
            )
        if result.reviews:
            self.stdout.write(
                f"Reviews: {result.reviews.reviews} verified reviews (each a paid, completed booking)"
                f" across {result.reviews.stores} stores"
            )
        if result.quality:
            q = result.quality
            self.stdout.write(
                f"Quality: {q.audits} audits, {q.complaints} complaints"
                + (f"; on probation: #{q.probation_store.pk} {q.probation_store.name}" if q.probation_store else "")
                + (f"; suspended: #{q.suspended_store.pk} {q.suspended_store.name}" if q.suspended_store else "")
            )
        if result.consignment:
            c = result.consignment
            self.stdout.write(
                f"Consignment at #{c.store.pk} {c.store.name}: deal #{c.settled.pk} settled (sold, paid, handed over,"
                f" the seller paid); auction #{c.sold.pk} sold (deal #{c.deal.pk} awaiting the dealer's payment);"
                f" auction #{c.open.pk} open until {timezone.localtime(c.open.ends_at):%H:%M}"
            )
        self._report_accounts(result)

    def _report_accounts(self, result: DemoResult) -> None:
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        users = {u.phone: u for u in User.objects.filter(phone__in=DEMO_PHONES)}
        for account in DEMO_ACCOUNTS:
            roles = ", ".join(users[account.phone].roles)
            self.stdout.write(f"  {account.phone}  {account.name}  [{roles}]  {account.what}")
        self.stdout.write(f"  Manager's store: #{result.manager_store.pk} {result.manager_store.name}")
        self.stdout.write(f"  Pending application: #{result.application.pk} {result.application.name}")
