"""Deals and claims (issue 14, items 6 and 7): the sold car paid for, handed over and settled, and the dealer's
claims against the inspection report.

The order, and why it is this one:

1. ``awaiting_payment → paid``: the dealer pays the price through payments (purpose ``consignment_deal``, charge
   ``deal:<id>``); the platform holds it. A payment that arrives when the deal no longer awaits one (it defaulted)
   is given back (``not_wanted``). Paid, a free 30-minute ``consignment_handover`` booking is made at the inspecting
   store for the seller's car, at the first free start from 09:00 the next day; both sides are told where and when.
2. ``paid → handed_over``: the store's staff complete the handover booking like any booking (its checklist:
   documents, keys, transfer papers, condition). The deal records when the inspection began and when the handover
   ended.
3. The claim window: for ``CLAIM_WINDOW`` (3 days) after the handover the dealer may claim a defect the report did
   not disclose, one open claim at a time. QA rejects it, adjusts the price (part of it refunded to the dealer) or
   unwinds the deal (the whole price refunded, the listing back to the seller, ``→ unwound``).
4. Settlement, once the window has passed with no open claim (a beat sweep, or at once when QA resolves the last
   claim after the window): the fee is released to the platform's revenue and the seller's net, less the
   adjustments, is paid out; ``→ settled`` when the payout is paid.

So the seller is never paid before the dealer's claims are settled: an adjustment is always refunded from money
still held (from the seller's net first; the platform's fee bears what exceeds it) and an unwind can always give
the whole price back. Every movement is one ledger entry of payments (``reconcile`` checks them); every step a
``DealEvent`` row.

``services`` (payment, transitions), ``handover``, ``claims`` and ``settlement`` write; ``selectors`` read;
``api`` is the HTTP contract (API.md, "Used-car consignment"); ``views`` are the seller's and the dealer's pages.
"""
