"""The platform's books: a double-entry journal. Every money movement is one entry whose lines sum to zero.

Accounts (debits positive, credits negative):

- ``provider_clearing:<provider>`` (asset): money the payment provider holds for us.
- ``owner_funds_held`` (liability): what owners paid for services not yet delivered (or not yet refunded).
- ``store_payable:<store id>`` (liability): what the platform owes a store for services delivered.
- ``platform_commission`` (revenue): the platform's share of delivered services.
- ``coupon_subsidy`` (expense): the part of a price the platform paid with a coupon.
- ``settlements_paid`` (asset, negative as money leaves): transfers to stores.
- ``held:<purpose>`` (liability): what payers paid for another purpose's charges (``payments.purposes``) and the
  platform still holds; each entry on it names its charge (``JournalEntry.purpose``/``subject``), and no charge's
  share ever goes below zero.
- ``revenue:<purpose>`` (revenue): held money the platform keeps (a forfeited deposit, a fee).
- ``payouts_payable`` (liability): held money decided for a person and not yet transferred to them.

The database refuses an entry that does not balance when its transaction commits, and any change to the journal.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from chefu.money import money
from payments.models import AccountKind, JournalEntry, JournalLine, LedgerAccount
from stores.models import Store

OWNER_FUNDS_HELD = "owner_funds_held"
PLATFORM_COMMISSION = "platform_commission"
COUPON_SUBSIDY = "coupon_subsidy"
SETTLEMENTS_PAID = "settlements_paid"
PAYOUTS_PAYABLE = "payouts_payable"
HELD = "held:"
REVENUE = "revenue:"

_FIXED = {
    OWNER_FUNDS_HELD: (AccountKind.LIABILITY, "Owner funds held"),
    PLATFORM_COMMISSION: (AccountKind.REVENUE, "Platform commission"),
    COUPON_SUBSIDY: (AccountKind.EXPENSE, "Coupon subsidies"),
    SETTLEMENTS_PAID: (AccountKind.ASSET, "Settlements paid to stores"),
    PAYOUTS_PAYABLE: (AccountKind.LIABILITY, "Payouts payable"),
}
# Accounts made per provider or per purpose: (prefix, kind, name before the rest of the code).
_PER = (
    ("provider_clearing:", AccountKind.ASSET, "Held by "),
    (HELD, AccountKind.LIABILITY, "Held for "),
    (REVENUE, AccountKind.REVENUE, "Platform revenue from "),
)


def provider_code(provider: str) -> str:
    """The code of the account of what ``provider`` holds for us."""
    return f"provider_clearing:{provider}"


def held_code(purpose: str) -> str:
    """The code of the account holding ``purpose``'s money."""
    return f"{HELD}{purpose}"


def revenue_code(purpose: str) -> str:
    """The code of the account of what the platform keeps of ``purpose``'s money."""
    return f"{REVENUE}{purpose}"


def _defaults(code: str) -> dict:
    for prefix, kind, name in _PER:
        if code.startswith(prefix):
            return {"kind": kind, "name": f"{name}{code.removeprefix(prefix)}"}
    kind, name = _FIXED[code]
    return {"kind": kind, "name": name}


def accounts_get(*codes: str) -> dict[str, LedgerAccount]:
    """The fixed or provider accounts named by ``codes``, read in one query; one used for the first time is created."""
    found = {acct.code: acct for acct in LedgerAccount.objects.filter(code__in=codes)}
    for code in codes:
        if code not in found:
            found[code] = LedgerAccount.objects.get_or_create(code=code, defaults=_defaults(code))[0]
    return found


def account(code: str) -> LedgerAccount:
    """One of the platform's fixed, provider or purpose accounts (created the first time it is used)."""
    return accounts_get(code)[code]


def provider_account(provider: str) -> LedgerAccount:
    return accounts_get(provider_code(provider))[provider_code(provider)]


def payment_accounts(provider: str) -> tuple[LedgerAccount, LedgerAccount, LedgerAccount]:
    """(the provider's clearing account, coupon subsidies, owner funds held): a payment's entry, in one query."""
    found = accounts_get(provider_code(provider), COUPON_SUBSIDY, OWNER_FUNDS_HELD)
    return found[provider_code(provider)], found[COUPON_SUBSIDY], found[OWNER_FUNDS_HELD]


def store_account(store: Store) -> LedgerAccount:
    return LedgerAccount.objects.get_or_create(
        code=f"store_payable:{store.pk}",
        defaults={"kind": AccountKind.LIABILITY, "name": f"Payable to {store.name}"[:120], "store": store},
    )[0]


def entry_post(
    *,
    kind: str,
    lines: Sequence[tuple[LedgerAccount, Decimal]],
    memo: str = "",
    booking=None,
    payment=None,
    refund=None,
    payout=None,
    purpose: str = "",
    subject: str = "",
    cause: str = "",
    at=None,
) -> JournalEntry:
    """Write one balanced entry. Zero lines are dropped; ValueError when fewer than two remain or they do not sum to
    zero (the database would refuse it at commit anyway; this names the mistake where it is made). ``purpose`` and
    ``subject`` name the charge of an entry moving a purpose's held money."""
    kept = [(acct, money(amount)) for acct, amount in lines if money(amount) != 0]
    if len(kept) < 2:
        raise ValueError("A journal entry needs at least two non-zero lines.")
    total = sum((amount for _, amount in kept), Decimal("0.00"))
    if total != 0:
        raise ValueError(f"Journal entry does not balance: the lines sum to {total}.")
    with transaction.atomic(savepoint=False):  # the entry and its lines, all or nothing with the caller's change
        entry = JournalEntry.objects.create(
            kind=kind,
            memo=memo[:200],
            booking=booking,
            payment=payment,
            refund=refund,
            payout=payout,
            purpose=purpose,
            subject=subject,
            cause=cause,
            at=at or timezone.now(),
        )
        JournalLine.objects.bulk_create(JournalLine(entry=entry, account=acct, amount=amount) for acct, amount in kept)
    return entry


def balance(acct: LedgerAccount, **filters) -> Decimal:
    """Debits minus credits on the account (``filters`` narrow the entries, e.g. ``entry__booking=booking``)."""
    total = JournalLine.objects.filter(account=acct, **filters).aggregate(total=Sum("amount"))["total"]
    return money(total or 0)


def trial_balance() -> Decimal:
    """The sum of every line in the journal: zero, always."""
    return money(JournalLine.objects.aggregate(total=Sum("amount"))["total"] or 0)
