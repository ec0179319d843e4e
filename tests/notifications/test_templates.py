import re

import pytest
from django.utils import translation

from notifications.models import Channel
from notifications.templates import TEMPLATES, render, template_get
from tests.notifications.support import BOOKING_PARAMS

ALL_PARAMS = {
    **BOOKING_PARAMS,
    "overall": "4.4",
    "excerpt": "师傅很专业",
    "reason": "刹车片磨损，需更换",
    "total": "¥120.00",
    "refund": "¥199.00",
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_the_booking_payment_and_review_apps_find_every_kind_they_send():
    assert set(TEMPLATES) == {
        "payment_refunded",
        "review_received",
        "review_held",
        "review_hidden",
        "review_restored",
        "booking_confirmed",
        "booking_reminder_24h",
        "booking_reminder_2h",
        "supplement_proposed",
        "booking_cancelled_by_store",
        "booking_alternatives",
        "booking_expired",
        "sms_code",
        "complaint_filed",
        "complaint_received",
        "complaint_answered",
        "complaint_escalated",
        "complaint_resolved",
        "corrective_actions_created",
        "corrective_action_accepted",
        "corrective_action_reopened",
        "consignment_sold",
        "consignment_won",
        "consignment_reserve_not_met",
        "consignment_no_bids",
        "consignment_declined",
        "consignment_runner_up",
        "consignment_deal_defaulted",
        "dealer_status_changed",
        "dealer_deposit_changed",
        "deal_handover_booked",
        "deal_handed_over",
        "deal_claim_filed",
        "deal_claim_resolved",
        "deal_payout_sent",
        "deal_payout_account_changed",
    }
    for template in TEMPLATES.values():
        assert template.channels and set(template.channels) <= set(Channel.values)


@pytest.mark.parametrize("code", sorted(TEMPLATES))
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_text_uses_exactly_the_declared_params(code, language):
    template = template_get(code)
    with translation.override(language):
        body, subject = str(template.body), str(template.subject)
    assert set(PLACEHOLDER.findall(body)) == set(template.params)
    assert PLACEHOLDER.findall(subject) == []
    assert "%" not in PLACEHOLDER.sub("", body)  # no stray format character


def test_renders_in_chinese_by_default():
    rendered = render("booking_confirmed", BOOKING_PARAMS)

    assert rendered.subject == "预约成功"
    assert rendered.body == (
        "您在人民广场店预约的小保养（单号 12）已确认，时间：11月25日 09:30，地址：上海市黄浦区人民大道100号。"
    )


def test_renders_in_english_on_request():
    rendered = render("booking_cancelled_by_store", ALL_PARAMS, language="en")

    assert rendered.subject == "The store cancelled your booking"
    assert rendered.body == (
        "人民广场店 cancelled your booking 12 (小保养, 11月25日 09:30): 刹车片磨损，需更换. "
        "¥199.00 will be refunded to your original payment method."
    )


def test_renders_in_the_sites_language_whatever_the_request_is_in(settings):
    with translation.override("en"):
        assert render("booking_expired", ALL_PARAMS).subject == "预约已失效"
    settings.LANGUAGE_CODE = "en"
    assert render("booking_expired", ALL_PARAMS).subject == "Booking expired"


def test_a_percent_sign_in_a_value_is_text():
    rendered = render("supplement_proposed", {**ALL_PARAMS, "reason": "工时费上浮 10%(含税)"})
    assert "工时费上浮 10%(含税)" in rendered.body


def test_an_unknown_template_is_a_programming_error():
    with pytest.raises(ValueError, match="booking_confirmd"):
        render("booking_confirmd", ALL_PARAMS)


def test_a_missing_param_is_a_programming_error():
    params = {k: v for k, v in BOOKING_PARAMS.items() if k != "address"}
    with pytest.raises(ValueError, match="address"):
        render("booking_reminder_2h", params)


def test_params_must_be_formatted_strings():
    with pytest.raises(ValueError, match="booking_id"):
        render("booking_confirmed", {**BOOKING_PARAMS, "booking_id": 12})
