"""The message kinds: code → default channels, subject and body, and the parameters they need.

Texts are English msgids translated in ``notifications/locale`` (zh-Hans, what users read). They are rendered in
``settings.LANGUAGE_CODE`` when a message is written: users have no language preference yet. Parameters are
strings the caller has already formatted (times in the store's zone, money with its sign).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from notifications.models import Channel

SMS_AND_IN_APP = (Channel.SMS.value, Channel.IN_APP.value)


@dataclass(frozen=True)
class MessageTemplate:
    code: str
    channels: tuple[str, ...]
    subject: Promise
    body: Promise
    params: tuple[str, ...]
    # Never written to the database (a one-time code): the outbox row holds a marker in their place in ``params``
    # and the body, and the sender fills the values in at delivery (notifications.secrets).
    secret_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


_BOOKING = ("store_name", "service_name", "start", "booking_id", "address")

TEMPLATES: dict[str, MessageTemplate] = {
    t.code: t
    for t in [
        MessageTemplate(
            code="booking_confirmed",
            channels=SMS_AND_IN_APP,
            subject=_("Booking confirmed"),
            body=_(
                "Your booking %(booking_id)s is confirmed: %(service_name)s at %(store_name)s, %(start)s. "
                "Address: %(address)s."
            ),
            params=_BOOKING,
        ),
        MessageTemplate(
            code="booking_reminder_24h",
            channels=SMS_AND_IN_APP,
            subject=_("Your booking is tomorrow"),
            body=_(
                "Reminder: your booking %(booking_id)s, %(service_name)s at %(store_name)s, is tomorrow, %(start)s. "
                "Address: %(address)s."
            ),
            params=_BOOKING,
        ),
        MessageTemplate(
            code="booking_reminder_2h",
            channels=SMS_AND_IN_APP,
            subject=_("Your booking starts in 2 hours"),
            body=_(
                "Reminder: your booking %(booking_id)s, %(service_name)s at %(store_name)s, starts in 2 hours, "
                "%(start)s. Address: %(address)s."
            ),
            params=_BOOKING,
        ),
        MessageTemplate(
            code="supplement_proposed",
            channels=SMS_AND_IN_APP,
            subject=_("The store proposes extra work"),
            body=_(
                "%(store_name)s proposes extra work on booking %(booking_id)s: %(reason)s. Total: %(total)s. "
                "Open the app to accept or decline."
            ),
            params=("store_name", "booking_id", "reason", "total"),
        ),
        MessageTemplate(
            code="booking_cancelled_by_store",
            channels=SMS_AND_IN_APP,
            subject=_("The store cancelled your booking"),
            body=_(
                "%(store_name)s cancelled your booking %(booking_id)s (%(service_name)s, %(start)s): %(reason)s. "
                "%(refund)s will be refunded to your original payment method."
            ),
            params=("store_name", "service_name", "start", "booking_id", "reason", "refund"),
        ),
        MessageTemplate(
            code="booking_expired",
            # The owner is in the app when they let a booking lapse; no SMS for it.
            channels=(Channel.IN_APP.value,),
            subject=_("Booking expired"),
            body=_(
                "Your booking %(booking_id)s (%(service_name)s at %(store_name)s, %(start)s) was not paid in time "
                "and has expired."
            ),
            params=("store_name", "service_name", "start", "booking_id"),
        ),
        MessageTemplate(
            code="payment_refunded",
            channels=(Channel.SMS.value, Channel.IN_APP.value),
            subject=_("Payment refunded"),
            body=_(
                "Your payment of %(amount)s for booking %(booking_id)s at %(store_name)s could not be used (%(why)s) "
                "and is being refunded in full to where it came from."
            ),
            params=("amount", "booking_id", "store_name", "why"),
        ),
        MessageTemplate(
            code="review_received",
            channels=(Channel.IN_APP.value,),
            subject=_("A new review of your store"),
            body=_("An owner rated %(store_name)s %(overall)s of 5: %(excerpt)s You may reply once."),
            params=("store_name", "overall", "excerpt"),
        ),
        MessageTemplate(
            code="review_held",
            channels=(Channel.IN_APP.value,),
            subject=_("Your review is waiting for a check"),
            body=_(
                "Your review of %(store_name)s contains contact details or words the platform checks first. QA will "
                "look at it soon; you may also edit it within 24 hours."
            ),
            params=("store_name",),
        ),
        MessageTemplate(
            code="review_hidden",
            channels=(Channel.IN_APP.value,),
            subject=_("Your review was hidden"),
            body=_(
                "Platform QA hid your review of %(store_name)s: %(reason)s. It is kept, and the store's page shows "
                "that a review was hidden."
            ),
            params=("store_name", "reason"),
        ),
        MessageTemplate(
            code="review_restored",
            channels=(Channel.IN_APP.value,),
            subject=_("Your review is shown again"),
            body=_("Platform QA restored your review of %(store_name)s: %(reason)s."),
            params=("store_name", "reason"),
        ),
        # Corrective actions: the store hears of an audit's findings, never of what kind of audit it was (a mystery
        # shopper's stays unseen), nor when it took place.
        MessageTemplate(
            code="corrective_actions_created",
            channels=(Channel.IN_APP.value,),
            subject=_("Corrective actions for your store"),
            body=_(
                "A Chefu audit of %(store_name)s found %(count)s item(s) to put right. The first is due on %(due)s. "
                "Open the partner console to see them and send your evidence."
            ),
            params=("store_name", "count", "due"),
        ),
        MessageTemplate(
            code="corrective_action_accepted",
            channels=(Channel.IN_APP.value,),
            subject=_("Corrective action accepted"),
            body=_('Chefu QA accepted your evidence for "%(item)s" at %(store_name)s.'),
            params=("store_name", "item"),
        ),
        MessageTemplate(
            code="corrective_action_reopened",
            channels=(Channel.IN_APP.value,),
            subject=_("Corrective action reopened"),
            body=_('Chefu QA reopened "%(item)s" at %(store_name)s: %(reason)s. It is due on %(due)s.'),
            params=("store_name", "item", "reason", "due"),
        ),
        MessageTemplate(
            code="complaint_filed",
            channels=(Channel.IN_APP.value,),
            subject=_("We received your complaint"),
            body=_(
                "Your complaint about booking %(booking_id)s at %(store_name)s is filed. The store answers by "
                "%(respond_by)s and platform QA decides by %(resolve_by)s."
            ),
            params=("booking_id", "store_name", "respond_by", "resolve_by"),
        ),
        MessageTemplate(
            code="complaint_received",
            channels=SMS_AND_IN_APP,
            subject=_("A complaint about your store"),
            body=_(
                "An owner complains about booking %(booking_id)s at %(store_name)s (%(category)s): %(excerpt)s "
                "Answer in the partner console by %(respond_by)s."
            ),
            params=("booking_id", "store_name", "category", "excerpt", "respond_by"),
        ),
        MessageTemplate(
            code="complaint_answered",
            channels=(Channel.IN_APP.value,),
            subject=_("The store answered your complaint"),
            body=_(
                "%(store_name)s answered your complaint about booking %(booking_id)s: %(excerpt)s Platform QA "
                "decides by %(resolve_by)s."
            ),
            params=("booking_id", "store_name", "excerpt", "resolve_by"),
        ),
        MessageTemplate(
            code="complaint_escalated",
            channels=(Channel.IN_APP.value,),
            subject=_("A complaint is overdue and escalated"),
            body=_(
                "The complaint %(complaint_id)s about booking %(booking_id)s at %(store_name)s passed its deadline "
                "(%(breach)s) and is escalated to platform QA."
            ),
            params=("complaint_id", "booking_id", "store_name", "breach"),
        ),
        MessageTemplate(
            code="complaint_resolved",
            channels=SMS_AND_IN_APP,
            subject=_("A complaint is resolved"),
            body=_(
                "Platform QA resolved the complaint about booking %(booking_id)s at %(store_name)s: %(outcome)s. "
                "%(resolution)s %(remedy)s"
            ),
            params=("booking_id", "store_name", "outcome", "resolution", "remedy"),
        ),
        MessageTemplate(
            code="sms_code",
            channels=(Channel.SMS.value,),
            subject=_("Verification code"),
            body=_(
                "Your Chefu verification code is %(code)s, valid for %(minutes)s minutes. Never tell it to anyone: "
                "Chefu staff will never ask for it."
            ),
            params=("code", "minutes"),
            secret_params=("code",),
        ),
        MessageTemplate(
            code="booking_alternatives",
            channels=SMS_AND_IN_APP,
            subject=_("Where else to go"),
            body=_(
                "Your booking %(booking_id)s (%(service_name)s) was cancelled because the store is suspended. These "
                "stores near it can do the job around the same time: %(stores)s."
            ),
            params=("booking_id", "service_name", "stores"),
        ),
        # Used-car consignment: the seller never learns who the dealer is, nor the dealer who the seller is.
        MessageTemplate(
            code="consignment_sold",
            channels=SMS_AND_IN_APP,
            subject=_("Your car is sold"),
            body=_(
                "Your %(car)s sold at auction for %(price)s. After the platform fee of %(fee)s you receive %(net)s, "
                "paid once the dealer has paid and the car is handed over at the store."
            ),
            params=("car", "price", "fee", "net"),
        ),
        MessageTemplate(
            code="consignment_won",
            channels=SMS_AND_IN_APP,
            subject=_("You won an auction"),
            body=_(
                "You won auction %(auction_id)s (%(car)s) at %(price)s. Pay by %(pay_before)s, or your deposit is "
                "forfeited."
            ),
            params=("auction_id", "car", "price", "pay_before"),
        ),
        MessageTemplate(
            code="consignment_reserve_not_met",
            channels=SMS_AND_IN_APP,
            subject=_("The highest bid is below your reserve"),
            body=_(
                "The highest bid for your %(car)s is %(price)s, below your reserve. Accept or decline it by "
                "%(decide_before)s; without an answer it is declined."
            ),
            params=("car", "price", "decide_before"),
        ),
        MessageTemplate(
            code="consignment_no_bids",
            channels=(Channel.IN_APP.value,),
            subject=_("No bids for your car"),
            body=_("No dealer bid for your %(car)s. You may put it to auction again."),
            params=("car",),
        ),
        MessageTemplate(
            code="consignment_runner_up",
            channels=SMS_AND_IN_APP,
            subject=_("A car is offered to you"),
            body=_(
                "The winner of auction %(auction_id)s (%(car)s) did not pay: the car is offered to you at "
                "%(price)s. Pay by %(pay_before)s."
            ),
            params=("auction_id", "car", "price", "pay_before"),
        ),
        MessageTemplate(
            code="consignment_deal_defaulted",
            channels=SMS_AND_IN_APP,
            subject=_("The dealer did not pay"),
            body=_(
                "The dealer who won your %(car)s did not pay, and no other dealer bid enough: the car is yours "
                "again. You may put it to auction again."
            ),
            params=("car",),
        ),
        MessageTemplate(
            code="consignment_declined",
            channels=(Channel.IN_APP.value,),
            subject=_("The seller declined your bid"),
            body=_("The seller declined the highest bid in auction %(auction_id)s (%(car)s): the car is not sold."),
            params=("auction_id", "car"),
        ),
        MessageTemplate(
            code="dealer_status_changed",
            channels=SMS_AND_IN_APP,
            subject=_("Your dealer account"),
            body=_("Your dealer account %(company)s is now: %(status)s. %(reason)s"),
            params=("company", "status", "reason"),
        ),
        MessageTemplate(
            code="dealer_deposit_changed",
            channels=(Channel.IN_APP.value,),
            subject=_("Your dealer deposit"),
            body=_("The deposit of %(company)s (%(amount)s) is now: %(status)s."),
            params=("company", "amount", "status"),
        ),
        MessageTemplate(
            code="deal_handover_booked",
            channels=SMS_AND_IN_APP,
            subject=_("Handover booked"),
            body=_(
                "Deal %(deal_id)s (%(car)s) is paid. The 30-minute handover is at %(store_name)s, %(address)s, on "
                "%(start)s."
            ),
            params=("deal_id", "car", "store_name", "address", "start"),
        ),
        MessageTemplate(
            code="deal_handed_over",
            channels=SMS_AND_IN_APP,
            subject=_("Car handed over"),
            body=_(
                "Your %(car)s is handed over (deal %(deal_id)s). Unless the dealer files a claim by %(until)s, we "
                "then pay you %(net)s."
            ),
            params=("deal_id", "car", "net", "until"),
        ),
        MessageTemplate(
            code="deal_claim_filed",
            channels=SMS_AND_IN_APP,
            subject=_("The dealer filed a claim"),
            body=_(
                "The dealer filed a claim about your %(car)s (deal %(deal_id)s). Platform QA will decide it; your "
                "payment waits until then."
            ),
            params=("deal_id", "car"),
        ),
        MessageTemplate(
            code="deal_claim_resolved",
            channels=SMS_AND_IN_APP,
            subject=_("A claim is decided"),
            body=_("Platform QA decided the claim about %(car)s (deal %(deal_id)s): %(outcome)s. %(note)s %(remedy)s"),
            params=("deal_id", "car", "outcome", "note", "remedy"),
        ),
        MessageTemplate(
            code="deal_payout_sent",
            channels=SMS_AND_IN_APP,
            subject=_("You have been paid"),
            body=_("We paid you %(amount)s for your %(car)s (deal %(deal_id)s)."),
            params=("deal_id", "car", "amount"),
        ),
        MessageTemplate(
            code="deal_payout_account_changed",
            channels=SMS_AND_IN_APP,
            subject=_("Your payment goes to another account"),
            body=_(
                "The payment for your %(car)s (deal %(deal_id)s) is being sent to the Alipay account %(account)s. "
                "If you did not ask for this, call Chefu at once."
            ),
            params=("deal_id", "car", "account"),
        ),
    ]
}


def template_get(code: str) -> MessageTemplate:
    """The template named ``code``; ValueError for an unknown one (a programming error, not a user's)."""
    try:
        return TEMPLATES[code]
    except KeyError:
        raise ValueError(f"Unknown message template: {code!r}") from None


def secret_marker(name: str) -> str:
    """What the outbox row holds in place of the secret parameter ``name``, in its params and its body."""
    return "{" + name + "}"


def stored_params(code: str, params: Mapping[str, str]) -> dict[str, str]:
    """``params`` as the outbox row keeps them: the template's secret ones replaced by their markers."""
    secret = template_get(code).secret_params
    return {name: (secret_marker(name) if name in secret else value) for name, value in params.items()}


def secrets_fill(text: str, secrets: Mapping[str, str]) -> str:
    """``text`` rendered from :func:`stored_params` with the secret values put back in place of their markers."""
    for name, value in secrets.items():
        text = text.replace(secret_marker(name), value)
    return text


def render(code: str, params: Mapping[str, str], *, language: str | None = None) -> Rendered:
    """Subject and body of ``code`` in ``language`` (default ``settings.LANGUAGE_CODE``).

    ValueError for an unknown template, a missing parameter or one that is not a string. Extra parameters are
    ignored (they are still kept on the message)."""
    template = template_get(code)
    missing = [name for name in template.params if name not in params]
    if missing:
        raise ValueError(f"Message template {code!r} needs parameters: {', '.join(missing)}")
    not_str = sorted(name for name, value in params.items() if not isinstance(value, str))
    if not_str:
        raise ValueError(f"Message parameters must be formatted strings: {', '.join(not_str)}")
    values = {name: params[name] for name in template.params}
    with translation.override(language or settings.LANGUAGE_CODE):
        return Rendered(subject=str(template.subject) % values, body=str(template.body) % values)
