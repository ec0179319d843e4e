"""The QA console in a real browser: signing in reaches the risk table; an audit filled in and finalized on a tablet,
with evidence photos; a rule edited with a reason."""

import io
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import expect

from quality import rules
from quality.models import AuditStatus, CorrectiveAction, RuleChange, StandardItem
from tests.e2e.booking_fixtures import AUTH
from tests.factories import PASSWORD, StoreFactory, UserFactory
from tests.quality.test_audits import EVIDENCE, new_audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TABLET = {"width": 768, "height": 1024}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def sign_in(page, user) -> None:
    """The console's sign-in box: once signed in, the page reloads into the console (static/js/console.js)."""
    page.fill(f"{AUTH} input[name=phone]", user.phone)
    page.fill(f"{AUTH} input[name=password]", PASSWORD)
    page.click(f"{AUTH} button[type=submit]")
    expect(page.locator("nav.console-nav")).to_be_visible()


@pytest.fixture
def qa():
    return UserFactory(roles=["qa"], name="质检员")


def test_qa_signs_in_at_the_console_and_reaches_the_risk_table(live_server, page, qa):
    page.goto(f"{live_server.url}/qa/")
    sign_in(page, qa)
    expect(page.get_by_role("heading", level=1)).to_have_text("门店风险榜")
    nav = page.get_by_role("navigation", name="质检控制台")
    for label in ("审核", "审核计划", "规则", "入驻申请", "评价"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()


def test_an_audit_is_filled_in_and_finalized_on_a_tablet_with_evidence_photos(live_server, page, qa):
    # given a planned audit of the facility standard
    store = StoreFactory(name="漕溪路保养店")
    audit = new_audit(qa, store)
    codes = list(StandardItem.objects.filter(standard_id=audit.standard_id).values_list("code", flat=True))
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/qa/audits/{audit.pk}/")
    sign_in(page, qa)

    # when every item passes but the workshop is dirty, the three evidence items get a photo, and it is finalized
    for code in codes:
        item = page.locator(f"#item-{code}")
        item.get_by_role("radio", name="不合格" if code == "workshop_clean" else "合格", exact=True).check()
    page.locator("#item-workshop_clean textarea").fill("地面有油污")
    for code in EVIDENCE:
        page.locator(f"#item-{code} input[type=file]").set_input_files(
            [{"name": f"{code}.png", "mimeType": "image/png", "buffer": _png()}]
        )
    page.get_by_role("button", name="完成并评分").click()

    # then the page shows the score, the verdict and the corrective action it opened, read-only
    expect(page.locator(".audit-score")).to_have_text("85.00")
    expect(page.locator(".audit-verdict")).to_contain_text("通过")
    expect(page.locator(".corrective-actions li")).to_have_count(1)
    expect(page.locator(".corrective-actions")).to_contain_text("workshop_clean")
    expect(page.get_by_role("radio")).to_have_count(0)
    audit.refresh_from_db()
    assert (audit.status, audit.score) == (AuditStatus.FINALIZED, Decimal("85.00"))
    assert CorrectiveAction.objects.get(audit=audit).item.code == "workshop_clean"


def test_a_rule_is_edited_with_a_reason(live_server, page, qa):
    rule = rules.rule_create(
        by=qa,
        reason="默认",
        metric="store_cancel_rate",
        window_days=90,
        comparator="gt",
        threshold=Decimal("10"),
        min_sample=20,
        action="probation",
    )
    page.goto(f"{live_server.url}/qa/rules/")
    sign_in(page, qa)
    card = page.locator(f"#rule-{rule.pk}")
    card.get_by_text("修改").click()
    card.get_by_label("阈值").fill("12")
    card.get_by_label("原因（必填）").fill("节假日取消较多，放宽")
    card.get_by_role("button", name="保存规则").click()

    expect(page.locator(".rule-history")).to_contain_text("节假日取消较多，放宽")
    expect(page.locator(f"#rule-{rule.pk} .rule-condition")).to_have_text("> 12.00")
    rule.refresh_from_db()
    assert rule.threshold == Decimal("12.00")
    assert RuleChange.objects.filter(rule=rule, by=qa).latest("at").reason == "节假日取消较多，放宽"
