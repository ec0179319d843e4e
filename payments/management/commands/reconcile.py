"""``manage.py reconcile``: exits 0 when the books agree (``payments.reconciliation``), non-zero (CommandError)
listing every mismatch otherwise. Read-only."""

from django.core.management.base import BaseCommand, CommandError

from payments.reconciliation import CHECKS


class Command(BaseCommand):
    help = (
        "Check that the journal, payments, refunds, payouts and bookings agree; exit non-zero listing every mismatch."
    )

    def handle(self, *args, **options):
        found = []
        for title, check in CHECKS:
            problems = check()
            mark = self.style.SUCCESS("ok") if not problems else self.style.ERROR(f"{len(problems)} mismatch(es)")
            self.stdout.write(f"{title}: {mark}")
            for problem in problems:
                self.stdout.write(f"  - {problem}")
            found += problems
        if found:
            raise CommandError(f"{len(found)} mismatch(es):\n" + "\n".join(f"- {p}" for p in found))
        self.stdout.write(self.style.SUCCESS("The books reconcile."))
