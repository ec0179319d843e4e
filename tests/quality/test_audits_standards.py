"""The store standard: the default version in force, drafts QA edits and publishes once, the public list and page."""

import pytest

from quality.defaults import DEFAULT_STANDARDS, load_default_standards
from quality.models import Standard, StandardCategory, StandardItem
from tests.conftest import error_code

pytestmark = pytest.mark.django_db

ITEMS = [
    {"code": "lift_ok", "text_zh": "举升机合格", "text_en": "Lift inspected", "weight": 60, "critical": True},
    {"code": "floor_clean", "text_zh": "地面整洁", "text_en": "Floor clean", "weight": 40},
]


def test_every_category_has_a_published_default_standard_and_loading_again_adds_nothing():
    in_force = Standard.objects.filter(published_at__isnull=False)
    assert set(in_force.values_list("category", flat=True)) == set(StandardCategory.values)
    for standard in in_force:
        items = list(standard.items.all())
        assert 4 <= len(items) <= 7
        assert all(item.text_zh and item.text_en for item in items)
    assert StandardItem.objects.filter(critical=True).count() >= 5
    assert StandardItem.objects.filter(evidence_required=True).exists()
    assert load_default_standards(Standard, StandardItem) == 0
    assert Standard.objects.count() == len(DEFAULT_STANDARDS)


def test_public_standards_in_force_by_category_in_the_request_language(api):
    response = api.get("quality/standards")
    assert response.status_code == 200
    body = response.json()
    assert [s["category"] for s in body] == list(StandardCategory.values)
    licences = next(s for s in body if s["code"] == "licences")
    assert licences["version"] == 1 and licences["published_at"]
    item = next(i for i in licences["items"] if i["code"] == "refrigerant_certificate")
    assert item["critical"] is True and item["evidence_required"] is True
    assert item["text"] == item["text_zh"]
    english = api.get("quality/standards", headers={"Accept-Language": "en"}).json()
    item_en = next(i for i in english[2]["items"] if i["code"] == "refrigerant_certificate")
    assert item_en["text"] == item_en["text_en"]


def test_qa_drafts_edits_and_publishes_a_version_once(qa_client, qa_user):
    draft = qa_client.post(
        "qa/standards", {"code": "facility", "category": "facility", "title_zh": "场地", "title_en": "Facility"}
    )
    assert draft.status_code == 201, draft.content
    body = draft.json()
    assert body["version"] == 2 and body["published_at"] is None
    assert len(body["items"]) == len(DEFAULT_STANDARDS["facility"][3])  # a copy of v1's items

    # a second draft of the code waits for this one
    again = qa_client.post(
        "qa/standards", {"code": "facility", "category": "facility", "title_zh": "场地", "title_en": "Facility"}
    )
    assert again.status_code == 409

    edited = qa_client.put(f"qa/standards/{body['id']}/items", {"items": ITEMS})
    assert edited.status_code == 200
    assert [i["code"] for i in edited.json()["items"]] == ["lift_ok", "floor_clean"]

    published = qa_client.post(f"qa/standards/{body['id']}/publish")
    assert published.status_code == 200
    assert published.json()["published_at"] and published.json()["published_by_id"] == qa_user.pk
    public = next(s for s in qa_client.get("quality/standards").json() if s["code"] == "facility")
    assert public["version"] == 2

    # published: a second publish and any edit answer 409, nothing changes
    assert error_code(qa_client.post(f"qa/standards/{body['id']}/publish")) == "standard_published"
    refused = qa_client.put(f"qa/standards/{body['id']}/items", {"items": ITEMS[:1]})
    assert (refused.status_code, error_code(refused)) == (409, "standard_published")
    assert StandardItem.objects.filter(standard_id=body["id"]).count() == 2


def test_a_draft_with_repeated_item_codes_or_bad_weights_is_refused_with_nothing_written(qa_client):
    before = Standard.objects.count()
    response = qa_client.post(
        "qa/standards",
        {"code": "new_std", "category": "prices", "title_zh": "新", "title_en": "New", "items": [ITEMS[0], ITEMS[0]]},
    )
    assert response.status_code == 422
    heavy = {**ITEMS[1], "weight": 101}
    assert (
        qa_client.post(
            "qa/standards",
            {"code": "new_std", "category": "prices", "title_zh": "新", "title_en": "New", "items": [heavy]},
        ).status_code
        == 422
    )
    assert Standard.objects.count() == before


def test_standards_editing_is_for_qa_only(owner_client, manager_client):
    payload = {"code": "x", "category": "prices", "title_zh": "新", "title_en": "New", "items": ITEMS}
    assert owner_client.post("qa/standards", payload).status_code == 403
    assert manager_client.post("qa/standards", payload).status_code == 403


def test_the_public_standards_page_lists_the_items_in_force(client):
    response = client.get("/standards/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "持有有效的机动车维修经营备案" in html  # a licences item, zh-hans first
    assert "废油与危废处置" in html
    assert html.index("场地与设施") < html.index("客户区域")


def test_the_standards_page_is_a_wagtail_page_its_editors_introduce_and_new_versions_reach_at_once(client, qa_client):
    from cms.models import StandardsPage

    page = StandardsPage.objects.get()
    assert (page.live, page.url) == (True, "/standards/")
    page.intro = "<p>我们承诺：每家门店都按同一标准接受检查。</p>"
    page.save_revision().publish()

    draft = qa_client.post(
        "qa/standards", {"code": "facility", "category": "facility", "title_zh": "场地", "title_en": "Facility"}
    ).json()
    qa_client.put(f"qa/standards/{draft['id']}/items", {"items": ITEMS})
    qa_client.post(f"qa/standards/{draft['id']}/publish")

    html = client.get("/standards/").content.decode()
    assert "我们承诺" in html and "举升机合格" in html
