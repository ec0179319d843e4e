"""What the deals plug into, from ``ConsignmentConfig.ready()``: the deal's payment purpose, the events they react to
(each durably: a payment, a handover or a payout is never left unheard), and their beat tasks."""


def connect() -> None:
    from bookings.events import BookingCompleted
    from chefu.events import subscribe
    from consignment.deals import tasks  # noqa: F401  (registers the beat tasks with Celery)
    from consignment.deals.charges import DEAL_PURPOSE
    from consignment.deals.handover import handover_completed, of_this_kind
    from consignment.deals.paying import deal_of_purpose, deal_payment_settled
    from consignment.deals.settlement import deal_payout_failed, deal_payout_paid
    from payments import purposes
    from payments.events import PayoutFailed, PayoutPaid, PurposePaymentSettled

    purposes.register(DEAL_PURPOSE)
    # The dealer's money arrived: the deal is paid and its handover booked (or the money given back).
    subscribe(PurposePaymentSettled, deal_payment_settled, durable=True, when=deal_of_purpose)
    # The handover booking completed: the car is handed over, the claim window opens.
    subscribe(BookingCompleted, handover_completed, durable=True, when=of_this_kind)
    # The seller's payout: paid settles the deal; refused is recorded for a retry.
    subscribe(PayoutPaid, deal_payout_paid, durable=True, when=deal_of_purpose)
    subscribe(PayoutFailed, deal_payout_failed, durable=True, when=deal_of_purpose)
