// One booking's order page for its owner (cms.owner_pages.order_page): progress, quote, extra work to approve or
// reject, the checklist as the store answers it (read again every few seconds while the car is at the store),
// 应付/实付 and refunds, the store's cancellation terms before cancelling or moving it, the review and a complaint.
(function () {
  "use strict";
  const C = window.Chefu;
  const t = C.t;
  const el = C.el;

  const root = document.getElementById("order");
  const bookingId = C.config.bookingId;
  const message = document.getElementById("order-message");
  // The car is at the store: the checklist and extra work change without the owner doing anything.
  const AT_STORE = ["checked_in", "in_service"];
  // What cms.owner_pages.POLL_SECONDS says.
  const pollMs = (C.config.pollSeconds || 15) * 1000;
  const byId = (id) => document.getElementById(id);

  let booking = null;
  const tz = root.dataset.storeTimezone || root.dataset.platformTimezone; // the store's clock
  let timer = null;
  let shownStatus = null; // the status the once-per-status parts were drawn for

  function when(iso) {
    return C.day(iso, tz) + " " + C.time(iso, tz);
  }

  function linesTable(lines, total, caption) {
    const rows = lines.map((line) =>
      el("tr", {}, [
        el("td", { text: line.description }),
        el("td", { class: "num", text: "×" + line.qty }),
        el("td", { class: "num", text: C.money(line.unit_price) }),
        el("td", { class: "num", text: C.money(line.amount) }),
      ])
    );
    return el("table", { class: "lines" }, [
      caption ? el("caption", { class: "visually-hidden", text: caption }) : null,
      el("thead", {}, [
        el("tr", {}, [
          el("th", { scope: "col", text: t.service }),
          el("th", { scope: "col", class: "num", text: t.qty }),
          el("th", { scope: "col", class: "num", text: t.unitPrice }),
          el("th", { scope: "col", class: "num", text: t.amount }),
        ]),
      ]),
      el("tbody", {}, rows),
      el("tfoot", {}, [el("tr", { class: "sum" }, [el("th", { scope: "row", colspan: "3", text: t.total }), el("td", { class: "num", text: C.money(total) })])]),
    ]);
  }

  function photo(p, alt) {
    return el("a", { href: p.url, target: "_blank", rel: "noopener", class: "thumb" }, [
      el("img", { src: p.url, alt: alt, width: String(p.width), height: String(p.height), loading: "lazy" }),
    ]);
  }

  // --- the parts read again while the car is at the store -------------------------------------------------

  function drawHead() {
    root.querySelector(".order-badge").replaceChildren(C.badge(booking.status));
    root.querySelector(".order-when").textContent = C.span(booking, tz);
  }

  function drawTimeline() {
    byId("timeline").replaceChildren(
      ...booking.timeline.map((event) =>
        el("li", { class: "timeline-item", "data-status": event.status }, [
          el("time", { datetime: event.at, text: when(event.at) }),
          " ",
          el("strong", { text: event.action === "status" ? t.status[event.status] || event.status : t.action[event.action] || event.action }),
          el("span", { class: "muted", text: " · " + (t.by[event.by] || event.by) }),
          event.reason ? el("p", { class: "muted small", text: event.reason }) : null,
        ])
      )
    );
  }

  function drawQuote() {
    const notes = (booking.quote.notes || []).map((note) => el("p", { class: "muted small", text: note }));
    byId("quote").replaceChildren(linesTable(booking.quote.lines, booking.quote.total, t.quote), ...notes);
  }

  function decide(supplement, verb, note) {
    return async function () {
      const buttons = document.querySelectorAll('[data-supplement-id="' + supplement.id + '"] button');
      buttons.forEach((b) => (b.disabled = true));
      try {
        const body = verb === "reject" ? { note: note ? note.value.trim() : "" } : undefined;
        const answer = await C.api("POST", "/bookings/" + bookingId + "/supplements/" + supplement.id + "/" + verb, { body: body });
        await load();
        C.say(byId("extra-message"), C.fmt(verb === "approve" ? t.approved : t.rejected, { amount: C.money(answer.amount_due || booking.amount_due) }), "ok");
      } catch (error) {
        C.say(byId("extra-message"), C.explain(error), "error");
        buttons.forEach((b) => (b.disabled = false));
        if (error.code === "supplement_decided" || error.code === "booking_not_at_shop") await load();
      }
    };
  }

  let drawnSupplements = null; // what the list shows: redrawn only when it changed, so a reason being typed stays

  function drawSupplements() {
    const list = byId("supplements");
    const signature = booking.status + JSON.stringify(booking.supplements);
    if (signature === drawnSupplements) return;
    drawnSupplements = signature;
    if (!booking.supplements.length) {
      list.replaceChildren(el("li", { class: "muted", text: t.noExtraWork }));
      return;
    }
    list.replaceChildren(
      ...booking.supplements.map((s) => {
        const actions = el("div", { class: "actions" });
        if (s.status === "proposed" && AT_STORE.includes(booking.status)) {
          const panel = el("div", { class: "inline-panel", hidden: true });
          const note = el("input", { name: "note", maxlength: "500", placeholder: t.rejectReason, "aria-label": t.rejectReason });
          panel.append(
            el("div", { class: "row" }, [
              note,
              el("button", { type: "button", class: "danger confirm-reject", text: t.confirmReject, onclick: decide(s, "reject", note) }),
              el("button", { type: "button", class: "secondary", text: t.back, onclick: () => (panel.hidden = true) }),
            ])
          );
          actions.append(
            el("button", { type: "button", class: "approve", text: t.approve, onclick: decide(s, "approve") }),
            el("button", { type: "button", class: "secondary reject", text: t.reject, onclick: () => (panel.hidden = false) }),
            panel
          );
        }
        return el("li", { class: "card supplement", "data-supplement-id": String(s.id), "data-status": s.status }, [
          el("div", { class: "card-head" }, [
            el("strong", { text: C.fmt(t.extraReason, { reason: s.reason }) }),
            el("span", { class: "badge supplement-" + s.status, text: t.supplementStatus[s.status] || s.status }),
          ]),
          el("p", { class: "muted small", text: when(s.proposed_at) }),
          linesTable(s.lines, s.total, t.extraWork),
          s.photos.length ? el("div", { class: "thumbs" }, s.photos.map((p, n) => photo(p, C.fmt(t.photoAlt, { n: n + 1 })))) : null,
          actions,
        ]);
      })
    );
  }

  function drawChecklist() {
    const items = booking.checklist;
    byId("checklist-panel").hidden = !items.length;
    byId("live-note").textContent = AT_STORE.includes(booking.status) ? C.fmt(t.live, { seconds: pollMs / 1000 }) : "";
    const answered = items.some((item) => item.result);
    byId("checklist").replaceChildren(
      ...(answered || !AT_STORE.includes(booking.status) ? [] : [el("li", { class: "muted", text: t.checklistEmpty })]),
      ...items.map((item) =>
        el("li", { class: "check-row", "data-code": item.code, "data-result": item.result || "" }, [
          el("span", { class: "check-label", text: item.label }),
          item.required ? el("span", { class: "muted small", text: " (" + t.required + ")" }) : null,
          el("span", { class: "check-result result-" + (item.result || "none"), text: item.result ? t.result[item.result] : t.notAnswered }),
          item.note ? el("p", { class: "muted small", text: item.note }) : null,
          item.photo ? el("div", { class: "thumbs" }, [photo(item.photo, item.label)]) : null,
        ])
      )
    );
  }

  function drawMoney() {
    const facts = [
      [t.amountDue, booking.amount_due, "amount-due"],
      [t.amountPaid, booking.amount_paid, "amount-paid"],
    ];
    if (C.owes(booking)) facts.push([t.amountOwed, booking.amount_owed, "amount-owed"]);
    byId("money").replaceChildren(...facts.flatMap(([label, amount, name]) => [el("dt", { text: label }), el("dd", { class: name, text: C.money(amount) })]));
    const pay = byId("pay-actions");
    if (C.owes(booking)) {
      const coupon = C.couponPicker(booking);
      pay.replaceChildren(coupon.element, C.payButton(booking, { message: message, refresh: load, choices: coupon.choices }));
    } else {
      pay.replaceChildren(...(booking.coupon ? [C.couponLine(booking.coupon)] : []));
    }
    const refunds = booking.refunds.map((r) =>
      el("li", { "data-status": r.status }, [
        el("strong", { text: C.money(r.amount) }),
        " · " + (t.refundReason[r.reason] || r.reason) + " · " + (t.refundStatus[r.status] || r.status),
      ])
    );
    if (booking.cancellation && Number(booking.cancellation.fee) > 0) {
      refunds.push(el("li", { class: "muted", text: C.fmt(t.refund, { amount: C.money(booking.cancellation.refund_to_owner), fee: C.money(booking.cancellation.fee) }) }));
    }
    byId("refunds").replaceChildren(...(refunds.length ? refunds : [el("li", { class: "muted", text: t.noRefunds })]));
  }

  // --- drawn once per status: cancel and reschedule, review, complaint --------------------------------------

  function termsText(terms) {
    if (Number(terms.amount_paid) === 0) return t.cancelNothingPaid;
    const values = { fee: C.money(terms.fee), refund: C.money(terms.refund), pct: terms.fee_pct };
    let text = Number(terms.fee) > 0 ? C.fmt(t.cancelTermsFee, values) : C.fmt(t.cancelTermsFree, values) + " " + C.fmt(t.freeUntil, { time: when(terms.free_until) });
    if (booking.coupon) text += " " + t.couponPart;
    return text;
  }

  async function drawChange() {
    const section = byId("change");
    const panel = byId("change-panel");
    const actions = byId("change-actions");
    panel.hidden = true;
    let terms;
    try {
      terms = await C.api("GET", "/bookings/" + bookingId + "/cancellation-terms");
    } catch (error) {
      section.hidden = true;
      return;
    }
    section.hidden = !(terms.cancellable || terms.reschedulable);
    byId("terms").textContent = termsText(terms);
    actions.replaceChildren();
    if (terms.reschedulable) {
      actions.append(el("button", { type: "button", class: "secondary reschedule", text: t.reschedule, onclick: () => reschedulePanel(panel) }));
    }
    if (terms.cancellable) {
      actions.append(el("button", { type: "button", class: "secondary cancel", text: t.cancel, onclick: () => cancelPanel(panel, terms) }));
    }
  }

  function cancelPanel(panel, terms) {
    const reason = el("input", { name: "reason", maxlength: "500", placeholder: t.cancelReason, "aria-label": t.cancelReason });
    const note = el("p", { role: "alert" });
    const confirm = el("button", { type: "button", class: "danger confirm-cancel", text: t.confirmCancel });
    confirm.addEventListener("click", async function () {
      confirm.disabled = true;
      try {
        await C.api("POST", "/bookings/" + bookingId + "/cancel", { body: { reason: reason.value.trim() } });
        C.say(message, t.cancelled, "ok");
        await load();
      } catch (error) {
        C.say(note, C.explain(error), "error");
        confirm.disabled = false;
      }
    });
    panel.replaceChildren(
      el("p", { class: "cancel-terms", text: termsText(terms) }),
      el("div", { class: "row" }, [reason, confirm, el("button", { type: "button", class: "secondary", text: t.back, onclick: () => (panel.hidden = true) })]),
      note
    );
    panel.hidden = false;
  }

  function reschedulePanel(panel) {
    const dateSelect = el("select", { name: "date", "aria-label": t.date });
    const slots = el("div", { class: "slots" });
    const status = el("p", { class: "muted", role: "status" });
    const moveTerms = el("p", { class: "move-terms", role: "status" });
    const note = el("p", { role: "alert" });
    const confirm = el("button", { type: "button", class: "confirm-reschedule", disabled: true, text: t.reschedule });
    let asked = 0;
    const picker = C.slotPicker({
      storeId: booking.store_id,
      list: slots,
      status: status,
      onPick: async function (start) {
        confirm.disabled = true;
        confirm.textContent = start ? C.fmt(t.confirmReschedule, { time: when(start) }) : t.reschedule;
        moveTerms.textContent = "";
        if (!start) return;
        const mine = ++asked;
        try {
          const terms = await C.api("GET", "/bookings/" + bookingId + "/cancellation-terms?" + new URLSearchParams({ start: start }));
          if (mine !== asked) return;
          moveTerms.textContent =
            Number(terms.fee) > 0 ? C.fmt(t.moveTermsFee, { fee: C.money(terms.fee) }) : C.fmt(t.moveTermsFree, { time: when(terms.free_until) });
          confirm.disabled = false;
        } catch (error) {
          if (mine === asked) C.say(note, C.explain(error), "error");
        }
      },
    });
    confirm.addEventListener("click", async function () {
      const start = picker.picked();
      confirm.disabled = true;
      try {
        const moved = await C.api("POST", "/bookings/" + bookingId + "/reschedule", { body: { start: start } });
        C.say(message, C.fmt(t.rescheduled, { time: C.span(moved, tz) }), "ok");
        shownStatus = null; // the terms changed with the start
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
      moveTerms,
      el("div", { class: "row" }, [confirm, el("button", { type: "button", class: "secondary", text: t.back, onclick: () => (panel.hidden = true) })]),
      note
    );
    panel.hidden = false;
    picker.load(booking.service_code, dateSelect.value);
  }

  function drawReview() {
    const section = byId("review-panel");
    section.hidden = booking.status !== "completed";
    byId("review").replaceChildren(...(section.hidden ? [] : [C.reviewBox(booking, tz)]));
  }

  async function drawComplaints() {
    const section = byId("complaint-panel");
    // Nothing to complain about before anything happened (quality.complaints: complaint_check_allowed decides).
    section.hidden = ["pending_payment", "expired"].includes(booking.status);
    if (section.hidden) return;
    let mine = [];
    try {
      const page = await C.api("GET", "/me/complaints?limit=100");
      mine = page.items.filter((c) => c.booking_id === booking.id);
    } catch (error) {
      mine = [];
    }
    byId("complaints").replaceChildren(
      ...mine.map((c) =>
        el("li", { class: "card complaint", "data-status": c.status }, [
          el("div", { class: "card-head" }, [
            el("strong", { text: t.complaintCategory[c.category] || c.category }),
            el("span", { class: "badge", text: t.complaintStatus[c.status] || c.status }),
          ]),
          el("p", { text: c.description }),
          c.photos.length ? el("div", { class: "thumbs" }, c.photos.map((p, n) => photo(p, C.fmt(t.photoAlt, { n: n + 1 })))) : null,
          c.store_response ? el("p", { class: "muted", text: C.fmt(t.storeAnswer, { text: c.store_response }) }) : null,
          c.resolution ? el("p", { class: "muted", text: C.fmt(t.resolution, { text: c.resolution }) }) : null,
        ])
      )
    );
    const category = el(
      "select",
      { name: "category", required: true },
      Object.entries(t.complaintCategory).map(([value, label]) => el("option", { value: value, text: label }))
    );
    const text = el("textarea", { name: "description", rows: "3", maxlength: "2000", required: true });
    // From the phone's camera or its album; each sent on its own once the complaint exists (quality.complaints).
    const maxPhotos = C.config.complaintMaxPhotos;
    const photos = el("input", { type: "file", name: "photos", accept: "image/*", capture: "environment", multiple: true });
    const note = el("p", { class: "complaint-message", role: "status", "aria-live": "polite" });
    const send = el("button", { type: "submit", text: t.fileComplaint });
    const form = el("form", { class: "complaint-form stack" }, [
      el("p", { class: "muted small", text: t.complaintIntro }),
      el("label", {}, [t.complaintCategoryField, category]),
      el("label", {}, [t.complaintText, text]),
      el("label", {}, [C.fmt(t.reviewPhotos, { count: maxPhotos }), photos]),
      send,
      note,
    ]);
    photos.addEventListener("change", function () {
      C.say(note, photos.files.length > maxPhotos ? C.fmt(t.tooManyPhotos, { count: maxPhotos }) : "", "error");
    });
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const files = Array.from(photos.files || []);
      if (files.length > maxPhotos) {
        C.say(note, C.fmt(t.tooManyPhotos, { count: maxPhotos }), "error");
        return;
      }
      send.disabled = true;
      let filed;
      try {
        filed = await C.api("POST", "/bookings/" + bookingId + "/complaints", { body: { category: category.value, description: text.value.trim() } });
      } catch (error) {
        C.say(note, C.explain(error), "error");
        send.disabled = false;
        return;
      }
      const failures = [];
      for (let n = 0; n < files.length; n++) {
        C.say(note, C.fmt(t.uploadingPhoto, { n: n + 1, count: files.length }));
        const upload = new FormData();
        upload.append("photo", files[n]);
        try {
          await C.api("POST", "/bookings/" + bookingId + "/complaints/" + filed.id + "/photos", { form: upload });
        } catch (error) {
          failures.push(C.fmt(t.photoFailed, { name: files[n].name, error: C.explain(error) }));
        }
      }
      await drawComplaints();
      const sent = C.fmt(t.complaintSent, { time: when(filed.respond_by) });
      C.say(byId("complaint-form").querySelector(".complaint-message"), [sent, ...failures].join(" "), failures.length ? "error" : "ok");
    });
    byId("complaint-form").replaceChildren(form);
  }

  // --- loading and following -------------------------------------------------------------------------------

  async function load() {
    clearTimeout(timer);
    try {
      booking = await C.api("GET", "/bookings/" + bookingId);
    } catch (error) {
      if (error.status !== 401) C.say(message, C.explain(error), "error");
      if (error.retryable) timer = setTimeout(load, pollMs);
      return;
    }
    drawHead();
    drawTimeline();
    drawQuote();
    drawSupplements();
    drawChecklist();
    drawMoney();
    if (booking.status !== shownStatus) {
      shownStatus = booking.status;
      drawReview();
      await Promise.all([drawChange(), drawComplaints()]);
    }
    if (AT_STORE.includes(booking.status)) timer = setTimeout(load, pollMs);
  }

  C.mountAuth(document.getElementById("auth"), function (user) {
    clearTimeout(timer);
    // Rendered for nobody: signing in shows the booking if it is this owner's (the server answers 404 otherwise).
    if (root.dataset.renderedFor !== "owner") {
      if (user) location.reload();
      return;
    }
    if (user) {
      load();
      // Back from the provider's page: this booking's payment (payments.services.payment_checkout's return URL).
      const returnedPayment = new URLSearchParams(location.search).get("payment");
      if (returnedPayment) C.watchPayment(returnedPayment, message, load);
    } else location.reload();
  });
})();
