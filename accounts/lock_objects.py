"""Row locks on accounts, in one place. A user's row is locked last, after whatever the caller holds (an approval
holds the partner application's row when it makes the applicant staff); an SMS code's row is locked alone, in a
transaction of its own. Every lock is ``FOR UPDATE OF`` the model's own table.
"""

from accounts.models import SmsCode, User, Vehicle


def user_lock(user_id: int) -> User:
    """``SELECT ... FOR UPDATE`` of the user's row (their roles); DoesNotExist when there is none."""
    return User.objects.select_for_update(of=("self",)).get(pk=user_id)


def sms_code_lock_newest(*, phone: str, purpose: str) -> SmsCode | None:
    """The newest code sent to ``phone`` for ``purpose``, its row locked (its tries); None when none was sent."""
    return (
        SmsCode.objects.select_for_update(of=("self",))
        .filter(phone=phone, purpose=purpose)
        .order_by("-created_at", "-pk")
        .first()
    )


def vehicle_lock(vehicle_id: int) -> Vehicle:
    """``SELECT ... FOR UPDATE`` of the vehicle's row. A booking inserted for it meanwhile holds ``FOR KEY SHARE`` on
    it (its foreign key), so the two wait for each other; DoesNotExist when there is none."""
    return Vehicle.objects.select_for_update(of=("self",)).get(pk=vehicle_id)
