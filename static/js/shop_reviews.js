// The store's reviews for its staff (GET /stores/{id}/reviews): each as owners read it (reviews.js), with the
// store's one public reply (POST /partner/reviews/{id}/reply) and a report to QA (POST .../report).
(function () {
  "use strict";
  const C = window.Chefu;
  const el = C.el;
  const K = window.ChefuShop;
  const s = K.s;
  const shop = JSON.parse(document.getElementById("chefu-shop").textContent);
  const list = document.getElementById("reviews");
  const more = document.getElementById("more");
  const PAGE = 20;
  let offset = 0;

  function box(review, kind) {
    const reply = kind === "reply";
    const text = el("textarea", { name: "text", rows: "3", required: true, maxlength: String(reply ? shop.replyMax : 500), "aria-label": reply ? s.replyLabel : s.reportReason });
    const note = el("p", { class: "form-message", role: "status" });
    const form = el("form", { class: "review-" + kind }, [
      el("label", {}, [reply ? s.replyLabel : s.reportReason, text]),
      el("div", { class: "row" }, el("button", { type: "submit", class: reply ? null : "secondary", text: reply ? s.sendReply : s.sendReport })),
      note,
    ]);
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const body = reply ? { text: text.value.trim() } : { reason: text.value.trim() };
        const done = await C.api("POST", "/partner/reviews/" + review.id + "/" + kind, { body: body });
        const said = !reply ? s.reported : done.status === "published" ? s.replySent : s.replyHeld;
        if (reply && done.status === "published") {
          review.reply = { text: done.text, created_at: done.created_at };
          const fresh = row(review);
          form.closest("li.shop-review").replaceWith(fresh);
          C.say(fresh.querySelector(".review-actions-message"), said, "ok");
          return;
        }
        form.replaceWith(el("p", { class: "form-message ok", role: "status", text: said }));
      } catch (error) {
        C.say(note, C.explain(error), "error");
        button.disabled = false;
      }
    });
    return form;
  }

  function row(review) {
    const actions = el("div", { class: "row review-actions" });
    const slot = el("div", { class: "review-forms" });
    if (!review.reply && !review.reply_hidden) {
      actions.append(el("button", { type: "button", class: "reply-open", text: s.replyLabel, onclick: () => slot.replaceChildren(box(review, "reply")) }));
    }
    actions.append(el("button", { type: "button", class: "secondary report-open", text: s.report, onclick: () => slot.replaceChildren(box(review, "report")) }));
    return el("li", { class: "card shop-review", "data-review-id": String(review.id) }, [
      C.reviews.item(review, { tz: K.store.timezone, tag: "div" }),
      review.reply_hidden ? el("p", { class: "muted", text: s.replyHidden }) : null,
      actions,
      slot,
      el("p", { class: "review-actions-message", role: "status" }),
    ]);
  }

  async function load() {
    try {
      const data = await C.api("GET", "/stores/" + K.store.id + "/reviews?" + new URLSearchParams({ limit: PAGE, offset: offset }));
      list.append(...data.items.map(row));
      offset += data.items.length;
      more.hidden = offset >= data.count;
      if (!data.count) list.append(el("li", { class: "muted", text: s.noReviews }));
    } catch (error) {
      K.say(C.explain(error), "error");
    }
  }

  more.addEventListener("click", load);
  K.onReady(load);
})();
