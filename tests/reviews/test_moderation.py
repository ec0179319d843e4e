"""Held text, QA's hide / restore / publish with reasons, the trail, store replies and reports."""

import pytest

from reviews import moderation, services
from reviews.models import BlockedWord, ModerationAction, Review, ReviewReport
from tests.bookings.conftest import make_shop
from tests.bookings.floor_fixtures import staff_of
from tests.conftest import error_code
from tests.reviews.conftest import RATINGS

# Services called directly commit as in production: their events reach the reputation and notifications.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


def _write(client, booking, text="", **body):
    response = client.post(f"bookings/{booking.pk}/review", {"ratings": RATINGS, "text": text} | body)
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("有问题打我电话13812345678", "phone"),
        ("电话 138 1234 5678 找王师傅", "phone"),
        ("微信同号１３８１２３４５６７８", "phone"),
        ("门店座机021-6432 1234", "phone"),
        ("详情见 www.example.com", "url"),
        ("去 https://t.cn/abc 领券", "url"),
        ("搜索 cheapcar.cn 更便宜", "url"),
        ("去taobao.com买", "url"),
        ("短链 bit.ly/abc", "url"),
        ("taobao。com", "url"),
        ("电话13812345678，9点后打", "phone"),
        ("价格299，13812345678", "phone"),
        ("0086 138 1234 5678", "phone"),
        ("138—1234—5678", "phone"),
        ("138*1234*5678", "phone"),
        ("(138)12345678", "phone"),
        ("幺三八一二三四五六七八", "phone"),
    ],
)
def test_contact_details_are_found(text, kind):
    assert kind in moderation.findings(text)


@pytest.mark.parametrize(
    "text",
    [
        "保养花了299元，里程35000公里，下次10000公里后再来",
        "车牌沪A12345，2019年的车",
        "等了20分钟，师傅工号1024",
        "01.05.2024 10.30 到店，2024-05-01 10:30 取车",
        "225/45 R17 轮胎，价格1,380.00元，里程13,800",
        "一二三四五个师傅都很好",
        "",
    ],
)
def test_ordinary_numbers_are_not_contact_details(text):
    assert moderation.findings(text) == {}


def test_blocked_words_are_configurable(db):
    assert moderation.findings("好评 返现五元") == {
        "blocked_words": ["好评返现", "返现"]
    }  # the defaults; spaces do not hide it
    assert moderation.findings("洗车卡低价转让") == {}
    BlockedWord.objects.create(word="低价转让")
    assert moderation.findings("洗车卡低价转让") == {"blocked_words": ["低价转让"]}
    assert moderation.findings("加 ＶＸ 聊") == {"blocked_words": ["vx"]}  # full-width, upper case
    BlockedWord.objects.filter(word="低价转让").update(is_active=False)
    assert moderation.findings("洗车卡低价转让") == {}


def test_held_text_waits_for_qa_and_is_counted_apart(reviewer, done, qa_api, api):
    body = _write(reviewer, done, text="加我微信13812345678，下次直接找我打折")
    assert body["status"] == "held"
    review = Review.objects.get()
    assert review.held_for == {"phone": ["138****5678"]}
    # nobody sees it, and the store's rating does not count it
    public = api.get(f"stores/{done.store_id}/reviews").json()
    assert (public["count"], public["held_count"]) == (0, 1)
    done.store.refresh_from_db()
    assert (done.store.review_count, done.store.rating) == (0, None)
    # QA sees it in the queue, and publishes it with a reason
    queue = qa_api.get("qa/reviews", {"status": "held"}).json()
    assert [r["id"] for r in queue["items"]] == [review.pk]
    published = qa_api.post(f"qa/reviews/{review.pk}/publish", {"reason": "号码是门店公开的服务电话"})
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert [m["kind"] for m in published.json()["moderation"]] == ["held", "published"]
    assert api.get(f"stores/{done.store_id}/reviews").json()["count"] == 1


def test_qa_hides_and_restores_with_reasons_and_the_page_says_how_many_are_hidden(reviewer, done, qa_api, qa, api):
    review_id = _write(reviewer, done, text="服务一般")["id"]
    # when QA hides it
    hidden = qa_api.post(f"qa/reviews/{review_id}/hide", {"reason": "与订单无关的内容"})
    assert hidden.status_code == 200 and hidden.json()["status"] == "hidden"
    # then it leaves the public list and the rating, and the public sees that one was hidden
    public = api.get(f"stores/{done.store_id}/reviews").json()
    assert (public["count"], public["hidden_count"]) == (0, 1)
    assert api.get(f"stores/{done.store_id}").json()["hidden_review_count"] == 1
    done.store.refresh_from_db()
    assert done.store.review_count == 0
    # but QA's statistics still count it
    stats = qa_api.get(f"qa/stores/{done.store_id}/review-stats").json()
    assert (stats["total"], stats["hidden"], stats["mean_all"]) == (1, 1, 4.4)
    # hiding again is refused; restoring brings it back
    again = qa_api.post(f"qa/reviews/{review_id}/hide", {"reason": "再隐藏"})
    assert again.status_code == 409 and error_code(again) == "invalid_moderation"
    assert qa_api.post(f"qa/reviews/{review_id}/restore", {"reason": "复核后恢复"}).status_code == 200
    assert api.get(f"stores/{done.store_id}/reviews").json()["count"] == 1
    # the author was told both times, with QA's reason
    from notifications.models import Message

    told = Message.objects.filter(recipient=done.owner, ref=f"review:{review_id}").order_by("id")
    assert [m.template for m in told] == ["review_hidden", "review_restored"]
    assert "与订单无关的内容" in told[0].body and "已被隐藏" in told[0].subject
    # and every step is on the trail, with who and why
    trail = list(ModerationAction.objects.filter(review_id=review_id).values_list("kind", "by", "reason"))
    assert trail == [("hidden", qa.pk, "与订单无关的内容"), ("restored", qa.pk, "复核后恢复")]


def test_only_qa_moderates_and_a_reason_is_required(reviewer, done, staff_client, qa_api):
    review_id = _write(reviewer, done)["id"]
    assert staff_client.post(f"qa/reviews/{review_id}/hide", {"reason": "差评"}).status_code == 403
    assert reviewer.post(f"qa/reviews/{review_id}/hide", {"reason": "x"}).status_code == 403
    missing = qa_api.post(f"qa/reviews/{review_id}/hide", {"reason": ""})
    assert missing.status_code == 422
    assert Review.objects.get().status == "published" and not ModerationAction.objects.exists()


def test_an_edit_that_removes_the_number_publishes_again(reviewer, done):
    review_id = _write(reviewer, done, text="电话13812345678")["id"]
    edited = reviewer.put(f"reviews/{review_id}", {"text": "师傅不错"})
    assert edited.json()["status"] == "published"
    # and an edit that adds one holds it
    assert reviewer.put(f"reviews/{review_id}", {"text": "找我 www.x.com"}).json()["status"] == "held"


def test_a_held_follow_up(reviewer, done, qa_api, api):
    review_id = _write(reviewer, done)["id"]
    assert reviewer.post(f"reviews/{review_id}/follow-up", {"text": "后续看 www.x.com"}).json()["status"] == "held"
    assert api.get(f"stores/{done.store_id}/reviews").json()["items"][0]["follow_up"] is None
    assert qa_api.post(f"qa/reviews/{review_id}/follow-up/publish", {"reason": "链接无害"}).status_code == 200
    assert api.get(f"stores/{done.store_id}/reviews").json()["items"][0]["follow_up"]["text"] == "后续看 www.x.com"


# --- the store's side ---------------------------------------------------------------------------------------------


def test_the_store_replies_once(reviewer, done, staff_client, api, make_client):
    review_id = _write(reviewer, done, text="等太久")["id"]
    first = staff_client.post(f"partner/reviews/{review_id}/reply", {"text": "抱歉让您久等，已调整排班。"})
    assert first.status_code == 201
    second = staff_client.post(f"partner/reviews/{review_id}/reply", {"text": "再说一句"})
    assert second.status_code == 409 and error_code(second) == "already_replied"
    # nobody else may answer for the store
    outsider = make_client(staff_of(make_shop()))
    assert outsider.post(f"partner/reviews/{review_id}/reply", {"text": "我们更好"}).status_code == 404
    assert reviewer.post(f"partner/reviews/{review_id}/reply", {"text": "自问自答"}).status_code == 404
    assert (
        api.get(f"stores/{done.store_id}/reviews").json()["items"][0]["reply"]["text"] == "抱歉让您久等，已调整排班。"
    )


def test_the_store_reports_a_review_and_qa_closes_the_report(reviewer, done, staff_client, qa_api):
    review_id = _write(reviewer, done, text="这家店是骗子")["id"]
    report = staff_client.post(f"partner/reviews/{review_id}/report", {"reason": "车主并未到店消费"})
    assert report.status_code == 201
    twice = staff_client.post(f"partner/reviews/{review_id}/report", {"reason": "再举报"})
    assert twice.status_code == 409 and error_code(twice) == "already_reported"
    # the store cannot hide it itself; QA looks at the reported ones
    assert [r["id"] for r in qa_api.get("qa/reviews", {"reported": True}).json()["items"]] == [review_id]
    qa_api.post(f"qa/reviews/{review_id}/hide", {"reason": "经核实为恶意评价"})
    assert ReviewReport.objects.get().status == "closed"
    kinds = list(ModerationAction.objects.filter(review_id=review_id).values_list("kind", flat=True))
    assert kinds == ["reported", "hidden", "report_closed"]


def test_nobody_rewrites_another_persons_words(reviewer, done, staff_client, qa_api):
    review_id = _write(reviewer, done, text="原话")["id"]
    assert staff_client.put(f"reviews/{review_id}", {"text": "店家改的"}).status_code == 404
    assert qa_api.put(f"reviews/{review_id}", {"text": "QA改的"}).status_code == 404
    assert Review.objects.get().text == "原话"


def test_the_trail_is_append_only(reviewer, done, qa_api, qa):
    from django.db import IntegrityError, InternalError, transaction

    review_id = _write(reviewer, done)["id"]
    qa_api.post(f"qa/reviews/{review_id}/hide", {"reason": "测试"})
    action = ModerationAction.objects.get()
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        ModerationAction.objects.filter(pk=action.pk).update(reason="改过")
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        ModerationAction.objects.filter(pk=action.pk).delete()
    services.review_restore(review_id=review_id, by=qa, reason="恢复")
    assert ModerationAction.objects.count() == 2


def test_a_store_reply_with_contact_details_waits_for_qa(reviewer, done, staff_client, qa_api, api):
    review_id = _write(reviewer, done, text="不错")["id"]
    reply = staff_client.post(f"partner/reviews/{review_id}/reply", {"text": "下次直接加微信13912345678预约"})
    assert reply.status_code == 201 and reply.json()["id"] and reply.json()["status"] == "held"
    item = api.get(f"stores/{done.store_id}/reviews").json()["items"][0]
    assert item["reply"] is None and item["reply_hidden"] is False
    assert qa_api.post(f"qa/reviews/{review_id}/reply/hide", {"reason": "含联系方式"}).status_code == 200
    assert api.get(f"stores/{done.store_id}/reviews").json()["items"][0]["reply_hidden"] is True


def test_a_hidden_follow_up_is_said_and_its_author_told(reviewer, done, qa_api, api):
    from notifications.models import Message

    review_id = _write(reviewer, done)["id"]
    reviewer.post(f"reviews/{review_id}/follow-up", {"text": "一个月后追评"})
    assert qa_api.post(f"qa/reviews/{review_id}/follow-up/hide", {"reason": "与服务无关"}).status_code == 200
    item = api.get(f"stores/{done.store_id}/reviews").json()["items"][0]
    assert item["follow_up"] is None and item["follow_up_hidden"] is True
    assert Message.objects.filter(recipient=done.owner, template="review_hidden").exists()


def test_restoring_a_review_edited_to_carry_a_number_sends_it_to_the_queue(reviewer, done, qa_api, api):
    review_id = _write(reviewer, done, text="还行")["id"]
    qa_api.post(f"qa/reviews/{review_id}/hide", {"reason": "核实中"})
    reviewer.put(f"reviews/{review_id}", {"text": "加我微信13912345678"})
    restored = qa_api.post(f"qa/reviews/{review_id}/restore", {"reason": "核实完毕"})
    assert restored.json()["status"] == "held"
    assert api.get(f"stores/{done.store_id}/reviews").json()["count"] == 0


def test_qa_stats_count_each_review_once_however_often_reported(reviewer, done, staff_client, qa_api):
    review_id = _write(reviewer, done)["id"]
    staff_client.post(f"partner/reviews/{review_id}/report", {"reason": "一"})
    qa_api.post(f"qa/reviews/{review_id}/hide", {"reason": "看看"})
    qa_api.post(f"qa/reviews/{review_id}/restore", {"reason": "没问题"})
    staff_client.post(f"partner/reviews/{review_id}/report", {"reason": "二"})
    stats = qa_api.get(f"qa/stores/{done.store_id}/review-stats").json()
    assert (stats["total"], stats["published"], stats["open_reports"]) == (1, 1, 1)


def test_the_database_keeps_every_word(reviewer, done, staff_client):
    from django.db import IntegrityError, InternalError, transaction

    from reviews.models import FollowUp, Reply

    review_id = _write(reviewer, done, text="原话")["id"]
    reviewer.post(f"reviews/{review_id}/follow-up", {"text": "追评原话"})
    staff_client.post(f"partner/reviews/{review_id}/reply", {"text": "回复原话"})
    for change in (
        lambda: Review.objects.filter(pk=review_id).update(text="被改了"),
        lambda: Review.objects.filter(pk=review_id).delete(),
        lambda: FollowUp.objects.filter(review_id=review_id).update(text="被改了"),
        lambda: Reply.objects.filter(review_id=review_id).update(text="被改了"),
        lambda: Reply.objects.filter(review_id=review_id).delete(),
    ):
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
            change()
    # the owner's own edit, which keeps the old words, goes through
    assert reviewer.put(f"reviews/{review_id}", {"text": "改后"}).status_code == 200


def test_managers_hear_of_a_new_review_and_an_author_of_a_held_one(reviewer, done, make_client):
    from notifications.models import Message
    from stores.services import membership_add
    from tests.factories import UserFactory

    manager = UserFactory(roles=["owner"])
    membership_add(store=done.store, user=manager, role="manager")
    review_id = _write(reviewer, done, text="师傅很专业")["id"]
    told = Message.objects.get(recipient=manager, template="review_received")
    assert "4.4" in told.body and "师傅很专业" in told.body and told.ref == f"review:{review_id}"
    assert not Message.objects.filter(template="review_held").exists()


def test_the_author_of_a_held_review_is_told_it_waits(reviewer, done):
    from notifications.models import Message

    _write(reviewer, done, text="电话13812345678")
    assert Message.objects.filter(recipient=done.owner, template="review_held").count() == 1
    assert not Message.objects.filter(template="review_received").exists()
