// The owner's bookings under the tab in the URL (?tab=, cms.owner_pages.TABS): status, time, store, 应付 and 实付
// and a link to the order page, with pay, cancel and reschedule while they are allowed, and a completed booking's
// review (review_form.js).
(function () {
  "use strict";
  const C = window.Chefu;
  const t = C.t;
  const el = C.el;

  const list = document.getElementById("bookings");
  const message = document.getElementById("list-message");
  const platformTz = list.dataset.platformTimezone;
  const zones = {}; // store id -> its time zone (a Promise)
  const tabs = C.config.tabs || [];
  const tab = tabs.find((one) => one.key === C.config.tab) || tabs[0];
  // What the owner may still change (bookings.services: booking_cancel, booking_reschedule).
  const CHANGEABLE = ["pending_payment", "confirmed"];

  function zoneOf(storeId) {
    if (!zones[storeId]) {
      zones[storeId] = C.api("GET", "/stores/" + storeId).then(
        (store) => store.timezone,
        () => platformTz // a store no longer listed: the API's own zone is right for its times
      );
    }
    return zones[storeId];
  }

  function cancelPanel(booking, panel) {
    const reason = el("input", { name: "reason", maxlength: "500", placeholder: t.cancelReason, "aria-label": t.cancelReason });
    const note = el("p", { role: "alert" });
    const confirm = el("button", { type: "button", class: "danger confirm-cancel", text: t.confirmCancel });
    confirm.addEventListener("click", async function () {
      confirm.disabled = true;
      try {
        const done = await C.api("POST", "/bookings/" + booking.id + "/cancel", { body: { reason: reason.value.trim() } });
        let text = t.cancelled;
        if (done.cancellation && Number(done.cancellation.refund_to_owner) > 0) {
          text += " " + C.fmt(t.refund, { amount: C.money(done.cancellation.refund_to_owner), fee: C.money(done.cancellation.fee) });
        }
        C.say(message, text, "ok");
        await load();
      } catch (error) {
        C.say(note, C.explain(error), "error");
        confirm.disabled = false;
      }
    });
    panel.replaceChildren(
      el("div", { class: "row" }, [reason, confirm, el("button", { type: "button", class: "secondary", text: t.back, onclick: () => (panel.hidden = true) })]),
      note
    );
  }

  function reschedulePanel(booking, panel, tz) {
    const dateSelect = el("select", { name: "date" });
    const slots = el("div", { class: "slots" });
    const status = el("p", { class: "muted", role: "status" });
    const note = el("p", { role: "alert" });
    const confirm = el("button", { type: "button", class: "confirm-reschedule", disabled: true, text: t.reschedule });
    const picker = C.slotPicker({
      storeId: booking.store_id,
      list: slots,
      status: status,
      onPick: function (start) {
        confirm.disabled = !start;
        confirm.textContent = start ? C.fmt(t.confirmReschedule, { time: C.day(start, tz) + " " + C.time(start, tz) }) : t.reschedule;
      },
    });
    confirm.addEventListener("click", async function () {
      const start = picker.picked();
      confirm.disabled = true;
      try {
        const moved = await C.api("POST", "/bookings/" + booking.id + "/reschedule", { body: { start: start } });
        C.say(message, C.fmt(t.rescheduled, { time: C.span(moved, tz) }), "ok");
        await load();
      } catch (error) {
        C.say(note, C.explain(error), "error");
        if (error.code === "slot_unavailable") await picker.load(booking.service_code, dateSelect.value);
      }
    });
    C.dateOptions(dateSelect, tz, 15);
    dateSelect.value = C.isoDate(new Date(booking.start), tz);
    if (!dateSelect.value) dateSelect.selectedIndex = 0;
    dateSelect.addEventListener("change", () => picker.load(booking.service_code, dateSelect.value));
    panel.replaceChildren(
      el("label", {}, [t.date + " ", dateSelect]),
      slots,
      status,
      el("div", { class: "row" }, [confirm, el("button", { type: "button", class: "secondary", text: t.back, onclick: () => (panel.hidden = true) })]),
      note
    );
    picker.load(booking.service_code, dateSelect.value);
  }

  function card(booking, tz) {
    const panel = el("div", { class: "inline-panel", hidden: true });
    const facts = [
      el("p", { class: "when", text: C.span(booking, tz) }),
      el("p", {}, [
        el("a", { href: "/stores/" + booking.store_id + "/", text: booking.store_name }),
        " · " + booking.bay_name + " · " + booking.plate,
      ]),
      el("p", { class: "amounts" }, [
        t.amountDue + " ",
        el("strong", { class: "amount", text: C.money(booking.amount_due) }),
        " · " + t.amountPaid + " ",
        el("strong", { class: "amount-paid", text: C.money(booking.amount_paid) }),
      ]),
    ];
    if (booking.pay_before) {
      facts.push(el("p", { class: "muted", text: C.fmt(t.payBefore, { time: C.day(booking.pay_before, tz) + " " + C.time(booking.pay_before, tz) }) }));
    }
    if (booking.cancellation && Number(booking.cancellation.refund_to_owner) > 0) {
      facts.push(
        el("p", { class: "muted", text: C.fmt(t.refund, { amount: C.money(booking.cancellation.refund_to_owner), fee: C.money(booking.cancellation.fee) }) })
      );
    }
    const actions = el("div", { class: "actions" });
    if (C.owes(booking)) {
      const coupon = C.couponPicker(booking);
      actions.append(coupon.element, C.payButton(booking, { message: message, refresh: load, choices: coupon.choices }));
    } else if (booking.coupon) {
      facts.push(el("p", {}, C.couponLine(booking.coupon)));
    }
    if (CHANGEABLE.includes(booking.status)) {
      actions.append(
        el("button", {
          type: "button",
          class: "secondary reschedule",
          text: t.reschedule,
          onclick: function () {
            reschedulePanel(booking, panel, tz);
            panel.hidden = false;
          },
        }),
        el("button", {
          type: "button",
          class: "secondary cancel",
          text: t.cancel,
          onclick: function () {
            cancelPanel(booking, panel);
            panel.hidden = false;
          },
        })
      );
    }
    return el("li", { class: "card booking-item", "data-booking-id": String(booking.id), "data-status": booking.status }, [
      el("div", { class: "card-head" }, [
        el("a", { class: "order-link", href: C.fmt(C.config.orderUrl, { id: booking.id }) }, [el("strong", { text: booking.service_name })]),
        C.badge(booking.status),
      ]),
      ...facts,
      actions,
      panel,
      // Only a completed booking can have a review: the others cost no request.
      booking.status === "completed" ? C.reviewBox(booking, tz) : null,
    ]);
  }

  async function load() {
    let page;
    try {
      page = await C.api("GET", "/bookings?limit=100");
    } catch (error) {
      if (error.status !== 401) C.say(message, C.explain(error), "error");
      return;
    }
    for (const one of tabs) {
      const count = document.querySelector('.owner-tabs [data-tab="' + one.key + '"] .tab-count');
      const n = page.items.filter((b) => inTab(b, one)).length;
      if (count && one.key !== "all") {
        count.textContent = String(n);
        count.hidden = !n;
      }
    }
    const shown = page.items.filter((b) => inTab(b, tab));
    const tzs = await Promise.all(shown.map((b) => zoneOf(b.store_id)));
    list.replaceChildren(...shown.map((b, n) => card(b, tzs[n])));
    if (!page.items.length) C.say(message, t.noBookings);
    else if (!shown.length) C.say(message, t.noBookingsInTab);
  }

  // Whether `booking` is listed under `one` of the tabs: its statuses (none: all), and for 待评价 only those the
  // owner may still review (the server's reviewable_until: completed, paid, not yet reviewed).
  function inTab(booking, one) {
    if (!one) return true;
    if (one.statuses.length && !one.statuses.includes(booking.status)) return false;
    if (one.toReview) return Boolean(booking.reviewable_until) && Date.now() < new Date(booking.reviewable_until).getTime();
    return true;
  }

  // Back from the provider's page (?payment=<id>, payments.providers.base.return_url_for): Chefu.watchPayment.
  const returnedPayment = new URLSearchParams(location.search).get("payment");

  C.mountAuth(document.getElementById("auth"), function (user) {
    list.replaceChildren();
    if (user) {
      load();
      // The header's unread badge (inbox_badge.js) was drawn before this sign-in.
      C.api("GET", "/me/notifications/unread-count").then(
        (answer) => document.dispatchEvent(new CustomEvent("chefu:unread", { detail: { count: answer.count } })),
        () => null
      );
      if (returnedPayment) C.watchPayment(returnedPayment, message, load);
    } else C.say(message, "");
  });
})();
