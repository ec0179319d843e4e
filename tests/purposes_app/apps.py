from django.apps import AppConfig


class PurposesAppConfig(AppConfig):
    name = "tests.purposes_app"
    label = "test_purposes_app"
    verbose_name = "Test payment purposes"

    def ready(self) -> None:
        from chefu.events import subscribe
        from payments import purposes
        from payments.events import PayoutFailed, PayoutPaid, PurposePaymentSettled, PurposeRefundIssued
        from tests.purposes_app.purposes import DEPOSIT_DEMO, heard, of_this_purpose

        purposes.register(DEPOSIT_DEMO)
        for event in (PurposePaymentSettled, PurposeRefundIssued, PayoutPaid, PayoutFailed):
            subscribe(event, heard, durable=True, when=of_this_purpose)
