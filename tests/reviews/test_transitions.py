"""Review moderation as a state machine: every step that moves a review, its follow-up or the store's reply goes
through ``services.moderation_transition``, checked against ``MODERATION_TRANSITIONS``, and leaves a ModerationAction
row saying from which status to which."""

import pytest
from django.db import transaction

from reviews import services
from reviews.exceptions import ModerationConflict
from reviews.lock_objects import review_lock
from reviews.models import MODERATION_TRANSITIONS, ModerationAction, ModerationKind, Review, ReviewStatus
from tests.reviews.conftest import RATINGS

pytestmark = pytest.mark.django_db


def _write(client, booking, text=""):
    response = client.post(f"bookings/{booking.pk}/review", {"ratings": RATINGS, "text": text})
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def _trail(review_id: int, **filters) -> list[tuple[str, str, str]]:
    rows = ModerationAction.objects.filter(review_id=review_id, **filters).order_by("at", "id")
    return list(rows.values_list("kind", "from_status", "to_status"))


def test_every_step_leads_somewhere_from_somewhere_else():
    assert set(MODERATION_TRANSITIONS) <= set(ModerationKind.values)
    for kind, (allowed, to) in MODERATION_TRANSITIONS.items():
        assert allowed and to in ReviewStatus.values and to not in allowed, kind


@pytest.mark.parametrize(("kind", "start"), [(k, s) for k in MODERATION_TRANSITIONS for s in ReviewStatus.values])
def test_moderation_transition_follows_the_map(reviewer, done, qa, kind, start):
    review_id = _write(reviewer, done)
    Review.objects.filter(pk=review_id).update(status=start)
    before = ModerationAction.objects.count()
    allowed, to = MODERATION_TRANSITIONS[kind]
    with transaction.atomic():
        review = review_lock(review_id)
        if start in allowed:
            # when
            action = services.moderation_transition(review=review, kind=kind, by=qa, reason="test")
            # then
            assert Review.objects.get(pk=review_id).status == to
            assert (action.kind, action.from_status, action.to_status, action.by) == (kind, start, to, qa)
        else:
            with pytest.raises(ModerationConflict) as refused:
                services.moderation_transition(review=review, kind=kind, by=qa, reason="test")
            assert refused.value.details == {"status": start}
            assert Review.objects.get(pk=review_id).status == start
            assert ModerationAction.objects.count() == before


def test_a_review_held_hidden_and_restored_leaves_each_move(reviewer, done, qa_api):
    review_id = _write(reviewer, done, text="电话13812345678")
    assert qa_api.post(f"qa/reviews/{review_id}/publish", {"reason": "门店热线"}).status_code == 200
    assert qa_api.post(f"qa/reviews/{review_id}/hide", {"reason": "复核"}).status_code == 200
    assert qa_api.post(f"qa/reviews/{review_id}/restore", {"reason": "复核完毕"}).json()["status"] == "held"
    assert _trail(review_id) == [
        ("held", "", "held"),
        ("published", "held", "published"),
        ("hidden", "published", "hidden"),
        ("restored", "hidden", "held"),  # the words still carry the number: back to the queue
    ]


def test_edits_move_a_review_through_the_automatic_check(reviewer, done):
    review_id = _write(reviewer, done, text="电话13812345678")
    assert reviewer.put(f"reviews/{review_id}", {"text": "师傅不错"}).json()["status"] == "published"
    assert reviewer.put(f"reviews/{review_id}", {"text": "找我 www.x.com"}).json()["status"] == "held"
    assert _trail(review_id) == [("held", "", "held"), ("cleared", "held", "published"), ("held", "published", "held")]
    review = Review.objects.get(pk=review_id)
    assert review.text == "找我 www.x.com" and review.held_for == {"url": ["www.x.com"]}


def test_a_number_added_to_a_hidden_review_is_recorded_without_a_move(reviewer, done, qa_api):
    review_id = _write(reviewer, done, text="还行")
    qa_api.post(f"qa/reviews/{review_id}/hide", {"reason": "核实中"})
    reviewer.put(f"reviews/{review_id}", {"text": "加我微信13912345678"})
    assert _trail(review_id) == [("hidden", "published", "hidden"), ("held", "", "")]
    assert Review.objects.get(pk=review_id).status == "hidden"


def test_a_follow_up_and_a_reply_move_on_their_own_rows(reviewer, done, staff_client, qa_api):
    review_id = _write(reviewer, done)
    reviewer.post(f"reviews/{review_id}/follow-up", {"text": "后续看 www.x.com"})
    assert staff_client.post(f"partner/reviews/{review_id}/reply", {"text": "谢谢惠顾"}).status_code == 201
    assert qa_api.post(f"qa/reviews/{review_id}/follow-up/publish", {"reason": "链接无害"}).status_code == 200
    assert qa_api.post(f"qa/reviews/{review_id}/reply/hide", {"reason": "与评价无关"}).status_code == 200
    again = qa_api.post(f"qa/reviews/{review_id}/reply/hide", {"reason": "再隐藏"})
    assert again.status_code == 409
    assert _trail(review_id, follow_up=True) == [("held", "", "held"), ("published", "held", "published")]
    assert _trail(review_id, follow_up=False) == [("hidden", "published", "hidden")]
    assert ModerationAction.objects.filter(review_id=review_id, kind="hidden").get().details == {"part": "reply"}
    assert Review.objects.get(pk=review_id).status == "published"  # the review itself never moved
