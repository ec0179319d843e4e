// The shop floor's day: a store's bays with their bookings, and the next step for each (check in, start, complete
// with the checklist, no-show, call off).
(function () {
  "use strict";
  const C = window.Chefu;
  const t = C.t;
  const el = C.el;
  const STORE = "chefu.store";

  const controls = document.getElementById("schedule-controls");
  const storeSelect = document.getElementById("store");
  const dateInput = document.getElementById("date");
  const message = document.getElementById("schedule-message");
  const board = document.getElementById("schedule");

  let tz = null;
  let request = 0;

  function shift(days) {
    if (!dateInput.value) return;
    const d = new Date(dateInput.value + "T12:00:00Z");
    dateInput.value = new Date(d.getTime() + days * 86400000).toISOString().slice(0, 10);
    load();
  }

  async function load() {
    const mine = ++request;
    if (!storeSelect.value) return;
    const query = dateInput.value ? "?" + new URLSearchParams({ date: dateInput.value }) : "";
    let day;
    try {
      day = await C.api("GET", "/partner/stores/" + storeSelect.value + "/schedule" + query);
    } catch (error) {
      if (mine === request && error.status !== 401) C.say(message, C.explain(error), "error");
      return;
    }
    if (mine !== request) return;
    tz = day.timezone;
    dateInput.value = day.date;
    board.replaceChildren(...day.bays.map(bay));
    const count = day.bays.reduce((n, b) => n + b.bookings.length, 0);
    board.dataset.date = day.date;
    if (message.dataset.keep !== "1") C.say(message, C.fmt(t.bookingsOnDay, { count: count }));
    delete message.dataset.keep;
  }

  // Show `text` above the board, kept across the reload that follows an action.
  function tell(text, kind) {
    C.say(message, text, kind);
    message.dataset.keep = "1";
  }

  function bay(entry) {
    const section = el("section", { class: "bay", "data-bay-id": String(entry.id) }, [
      el("h2", {}, [entry.name + " ", el("span", { class: "muted small", text: "(" + entry.bookings.length + ")" })]),
    ]);
    if (!entry.bookings.length) section.append(el("p", { class: "muted", text: t.emptyBay }));
    else section.append(el("ol", { class: "cards" }, entry.bookings.map(card)));
    return section;
  }

  function card(booking) {
    const panel = el("div", { class: "inline-panel", hidden: true });
    const actions = el("div", { class: "actions" });
    const button = (text, cls, onclick) => el("button", { type: "button", class: cls, text: text, onclick: onclick });
    const started = new Date(booking.start) <= new Date();
    switch (booking.status) {
      case "confirmed":
        actions.append(button(t.checkIn, "act-check-in", () => act(booking, "check-in", panel)));
        if (started) actions.append(button(t.noShow, "secondary act-no-show", () => act(booking, "no-show", panel)));
        break;
      case "checked_in":
        actions.append(button(t.start, "act-start", () => act(booking, "start", panel)));
        actions.append(button(t.checklist, "secondary act-checklist", () => checklist(booking, panel, false)));
        break;
      case "in_service":
        actions.append(button(t.complete, "act-complete", () => act(booking, "complete", panel)));
        actions.append(button(t.checklist, "secondary act-checklist", () => checklist(booking, panel, false)));
        break;
    }
    if (booking.service_code === "consignment_inspection" && ["checked_in", "in_service", "completed"].includes(booking.status)) {
      actions.append(el("a", { class: "button-link act-inspection", href: "/consignment/inspection/" + booking.id + "/", text: t.inspectionReport }));
    }
    if (["pending_payment", "confirmed", "checked_in"].includes(booking.status)) {
      actions.append(button(t.storeCancel, "secondary act-cancel", () => callOff(booking, panel)));
    }
    return el("li", { class: "card floor-booking", "data-booking-id": String(booking.id), "data-status": booking.status }, [
      el("div", { class: "card-head" }, [
        el("strong", { class: "floor-time", text: C.time(booking.start, tz) + "–" + C.time(booking.end, tz) }),
        C.badge(booking.status),
      ]),
      el("p", { class: "service", text: booking.service_name }),
      el("p", {}, [el("strong", { class: "plate", text: booking.plate }), " " + booking.vehicle]),
      el("p", { class: "owner" }, [booking.owner_name + " · ", el("span", { class: "phone", text: booking.owner_phone })]),
      actions,
      panel,
    ]);
  }

  async function act(booking, action, panel) {
    try {
      const now = await C.api("POST", "/partner/bookings/" + booking.id + "/" + action);
      tell(C.fmt(t.done, { plate: now.plate, status: t.status[now.status] || now.status }), "ok");
      await load();
    } catch (error) {
      if (action === "complete" && error.code === "checklist_incomplete") {
        C.say(message, t.checklistNeeded, "error");
        await checklist(booking, panel, true);
      } else {
        C.say(message, C.explain(error), "error");
      }
    }
  }

  function callOff(booking, panel) {
    const reason = el("input", { name: "reason", maxlength: "500", required: true, placeholder: t.storeCancelReason, "aria-label": t.storeCancelReason });
    const note = el("p", { role: "alert" });
    const confirm = el("button", { type: "button", class: "danger", text: t.storeCancel });
    confirm.addEventListener("click", async function () {
      try {
        const now = await C.api("POST", "/partner/bookings/" + booking.id + "/cancel", { body: { reason: reason.value.trim() } });
        tell(C.fmt(t.done, { plate: now.plate, status: t.status[now.status] }), "ok");
        await load();
      } catch (error) {
        C.say(note, C.explain(error), "error");
      }
    });
    panel.replaceChildren(
      el("div", { class: "row" }, [reason, confirm, el("button", { type: "button", class: "secondary", text: t.back, onclick: () => (panel.hidden = true) })]),
      note
    );
    panel.hidden = false;
  }

  // The booking's checklist as a form: pass / fail / n.a. and a note per item. With `completing`, saving also
  // completes the job (what the 完工 button was refused for).
  async function checklist(booking, panel, completing) {
    let sheet;
    try {
      sheet = await C.api("GET", "/partner/bookings/" + booking.id + "/checklist");
    } catch (error) {
      C.say(message, C.explain(error), "error");
      return;
    }
    const form = el("form", { class: "checklist" }, [
      el("h3", { text: C.fmt(t.checklistFor, { plate: booking.plate, service: booking.service_name }) }),
    ]);
    for (const item of sheet.items) {
      const name = "r-" + booking.id + "-" + item.code;
      const choices = Object.entries(t.result).map(([value, label]) =>
        el("label", { class: "choice" }, [el("input", { type: "radio", name: name, value: value, checked: item.result === value }), " " + label])
      );
      form.append(
        el("fieldset", { class: "check-item", "data-code": item.code }, [
          el("legend", {}, [item.label, item.required ? el("span", { class: "req", text: " *" + t.required }) : null]),
          el("div", { class: "choices" }, choices),
          el("input", { name: "n-" + item.code, class: "note", maxlength: "1000", value: item.note || "", placeholder: t.note, "aria-label": t.note }),
        ])
      );
    }
    const note = el("p", { role: "alert" });
    const allPass = el("button", { type: "button", class: "secondary all-pass", text: t.allPass });
    allPass.addEventListener("click", function () {
      for (const fieldset of form.querySelectorAll(".check-item")) {
        if (!fieldset.querySelector("input[type=radio]:checked")) fieldset.querySelector("input[value=pass]").checked = true;
      }
    });
    const canComplete = completing || booking.status === "in_service";
    form.append(
      el("div", { class: "actions" }, [
        allPass,
        el("button", { type: "submit", class: canComplete ? "save-complete" : "save", text: canComplete ? t.saveAndComplete : t.save }),
        el("button", { type: "button", class: "secondary", text: t.close, onclick: () => (panel.hidden = true) }),
      ]),
      note
    );
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const items = [];
      for (const fieldset of form.querySelectorAll(".check-item")) {
        const picked = fieldset.querySelector("input[type=radio]:checked");
        const text = fieldset.querySelector("input.note").value.trim();
        if (picked) items.push({ code: fieldset.dataset.code, result: picked.value, note: text });
      }
      if (!items.length) {
        C.say(note, t.answerSomething, "error");
        return;
      }
      try {
        await C.api("PUT", "/partner/bookings/" + booking.id + "/checklist", { body: { items: items } });
        if (!canComplete) {
          tell(t.saved, "ok");
          await load();
          return;
        }
        const done = await C.api("POST", "/partner/bookings/" + booking.id + "/complete");
        tell(C.fmt(t.done, { plate: done.plate, status: t.status[done.status] }), "ok");
        await load();
      } catch (error) {
        if (error.code === "checklist_incomplete") {
          const labels = sheet.items.filter((i) => (error.details.missing || []).includes(i.code)).map((i) => i.label);
          C.say(note, C.fmt(t.missing, { items: labels.join("、") }), "error");
        } else {
          C.say(note, C.explain(error), "error");
        }
      }
    });
    panel.replaceChildren(form);
    panel.hidden = false;
    panel.scrollIntoView({ block: "nearest" });
  }

  storeSelect.addEventListener("change", function () {
    localStorage.setItem(STORE, storeSelect.value);
    load();
  });
  dateInput.addEventListener("change", load);
  document.getElementById("prev-day").addEventListener("click", () => shift(-1));
  document.getElementById("next-day").addEventListener("click", () => shift(1));
  document.getElementById("refresh").addEventListener("click", load);
  document.getElementById("today").addEventListener("click", function () {
    dateInput.value = "";
    load();
  });

  C.mountAuth(document.getElementById("auth"), function (me) {
    board.replaceChildren();
    storeSelect.replaceChildren();
    const stores = me ? me.stores : [];
    controls.hidden = !stores.length;
    if (!me) {
      C.say(message, "");
      return;
    }
    if (!stores.length) {
      C.say(message, t.noStores, "error");
      return;
    }
    for (const s of stores) storeSelect.append(el("option", { value: String(s.id), text: s.name }));
    const remembered = localStorage.getItem(STORE);
    if (remembered && stores.some((s) => String(s.id) === remembered)) storeSelect.value = remembered;
    load();
  });
})();
