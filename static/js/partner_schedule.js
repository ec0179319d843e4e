// The shop floor's board: a store's bays on a time axis (a day, or a week with a lane per bay in each day), the
// store's closed hours shaded, its closures (the whole store's, a bay's) shaded with their reason, and a booking's next steps for the staff member's role (check in, start, checklist
// with photos, extra work, complete, no-show, call off). The date, the view and the open booking are in the URL.
(function () {
  "use strict";
  const C = window.Chefu;
  const t = C.t;
  const el = C.el;
  const shop = JSON.parse(document.getElementById("chefu-shop").textContent);
  const s = shop.texts;
  const LEAD_MS = shop.checkInLeadMinutes * 60000;
  const STORE = "chefu.store";
  const PX_PER_MIN = 1.1;

  const controls = document.getElementById("schedule-controls");
  const storeSelect = document.getElementById("store");
  const dateInput = document.getElementById("date");
  const message = document.getElementById("schedule-message");
  const board = document.getElementById("schedule");
  const detail = document.getElementById("detail");

  const params = new URLSearchParams(location.search);
  let view = params.get("view") === "week" ? "week" : "day";
  let selected = Number(params.get("booking")) || null;
  dateInput.value = /^\d{4}-\d{2}-\d{2}$/.test(params.get("date") || "") ? params.get("date") : "";

  let stores = [];
  let tz = null;
  let hours = [];
  let request = 0;

  // --- the URL -------------------------------------------------------------------------------------------------

  function remember(push) {
    const query = new URLSearchParams();
    if (dateInput.value) query.set("date", dateInput.value);
    if (view === "week") query.set("view", "week");
    if (selected) query.set("booking", String(selected));
    const url = location.pathname + (query.toString() ? "?" + query : "");
    if (url === location.pathname + location.search) return;
    if (push) history.pushState(null, "", url);
    else history.replaceState(null, "", url);
  }

  window.addEventListener("popstate", function () {
    const now = new URLSearchParams(location.search);
    view = now.get("view") === "week" ? "week" : "day";
    dateInput.value = now.get("date") || "";
    selected = Number(now.get("booking")) || null;
    load(false);
  });

  // --- dates and minutes on the store's clock -------------------------------------------------------------------

  function addDays(iso, days) {
    return new Date(new Date(iso + "T12:00:00Z").getTime() + days * 86400000).toISOString().slice(0, 10);
  }

  function weekday(iso) {
    return (new Date(iso + "T12:00:00Z").getUTCDay() + 6) % 7; // Monday = 0, as the API counts
  }

  function minutesOf(hhmm) {
    const [h, m] = hhmm.split(":").map(Number);
    return h * 60 + m;
  }

  function localMinutes(instant) {
    return minutesOf(C.time(instant, tz));
  }

  function dayLabel(iso) {
    return new Intl.DateTimeFormat(document.documentElement.lang || "zh-hans", {
      timeZone: "UTC", month: "short", day: "numeric", weekday: "short",
    }).format(new Date(iso + "T12:00:00Z"));
  }

  function openRanges(iso) {
    const wd = weekday(iso);
    return hours.filter((h) => h.weekday === wd).map((h) => [minutesOf(h.opens), minutesOf(h.closes)]);
  }

  // --- loading ---------------------------------------------------------------------------------------------------

  function role() {
    const store = stores.find((x) => String(x.id) === storeSelect.value);
    return store ? store.role : "manager";
  }

  function may(action) {
    return (shop.actions[role()] || shop.actions.manager).includes(action);
  }

  async function load(push) {
    const mine = ++request;
    if (!storeSelect.value) return;
    remember(push);
    for (const button of document.querySelectorAll(".view-switch button")) {
      button.setAttribute("aria-pressed", String(button.dataset.view === view));
    }
    let days;
    try {
      const info = await C.api("GET", "/stores/" + storeSelect.value);
      hours = info.opening_hours || [];
      const first = await schedule(dateInput.value);
      tz = first.timezone;
      if (view === "week") {
        const monday = addDays(first.date, -weekday(first.date));
        days = await Promise.all([0, 1, 2, 3, 4, 5, 6].map((n) => schedule(addDays(monday, n))));
      } else {
        days = [first];
      }
      if (mine !== request) return;
      dateInput.value = first.date;
      remember(false);
    } catch (error) {
      if (mine === request && error.status !== 401) C.say(message, C.explain(error), "error");
      return;
    }
    board.replaceChildren(view === "week" ? week(days) : day(days[0]));
    board.dataset.date = days[0].date;
    const count = days.reduce((n, d) => n + d.bays.reduce((m, b) => m + b.bookings.length, 0), 0);
    if (message.dataset.keep !== "1") {
      C.say(message, C.fmt(view === "week" ? s.noBookingsWeek : t.bookingsOnDay, { count: count }));
    }
    delete message.dataset.keep;
    if (selected) await open(selected);
    else closeDetail(false);
  }

  function schedule(date) {
    const query = date ? "?" + new URLSearchParams({ date: date }) : "";
    return C.api("GET", "/partner/stores/" + storeSelect.value + "/schedule" + query);
  }

  // Reload the board and the booking after an action, then say what it did (not before: until then the page is
  // still the one the action started from).
  async function after(booking, text) {
    message.dataset.keep = "1";
    await refresh(booking);
    C.say(message, text, "ok");
  }

  // --- the board -------------------------------------------------------------------------------------------------

  // The axis's span in minutes: the opening hours of the days shown and every booking, on whole hours.
  function span(days) {
    let from = 24 * 60;
    let to = 0;
    for (const d of days) {
      for (const [a, b] of openRanges(d.date)) {
        from = Math.min(from, a);
        to = Math.max(to, b);
      }
      for (const bay of d.bays) {
        for (const b of bay.bookings) {
          from = Math.min(from, localMinutes(b.start));
          to = Math.max(to, Math.max(localMinutes(b.end), localMinutes(b.start) + 15));
        }
      }
    }
    if (from >= to) [from, to] = [9 * 60, 18 * 60];
    // An hour either side, so the board shows where the day starts and ends.
    return [Math.max(0, Math.floor(from / 60) * 60 - 60), Math.min(24 * 60, Math.ceil(to / 60) * 60 + 60)];
  }

  function px(minutes) {
    return Math.round(minutes * PX_PER_MIN) + "px";
  }

  function axis(from, to) {
    const marks = [];
    for (let m = from; m <= to; m += 60) {
      const label = String(m / 60).padStart(2, "0") + ":00";
      marks.push(el("span", { class: "tick", style: "top:" + px(m - from), text: label }));
    }
    return el("div", { class: "lane axis", "aria-hidden": "true" }, [
      el("div", { class: "lane-head" }),
      el("div", { class: "lane-body", style: "height:" + px(to - from) }, marks),
    ]);
  }

  // The closed parts of [from, to] on `date`, and the hour lines, as the lane's background.
  function backdrop(date, from, to) {
    const parts = [];
    let cursor = from;
    const open = openRanges(date).sort((a, b) => a[0] - b[0]);
    for (const [a, b] of open) {
      if (a > cursor) parts.push([cursor, Math.min(a, to)]);
      cursor = Math.max(cursor, b);
    }
    if (cursor < to) parts.push([cursor, to]);
    const nodes = parts
      .filter(([a, b]) => b > a)
      .map(([a, b]) => el("div", { class: "closed", style: "top:" + px(a - from) + ";height:" + px(b - a), title: s.closed }));
    for (let m = from + 60; m < to; m += 60) nodes.push(el("div", { class: "hour-line", style: "top:" + px(m - from) }));
    const now = new Date();
    if (C.isoDate(now, tz) === date && localMinutes(now) >= from && localMinutes(now) <= to) {
      nodes.push(el("div", { class: "now-line", style: "top:" + px(localMinutes(now) - from) }));
    }
    return nodes;
  }

  // A closure's part of `date` inside the axis [from, to]: [top, length] in minutes from `from`, or null.
  function closedPart(closure, date, from, to) {
    const start = C.isoDate(new Date(closure.starts_at), tz) < date ? 0 : localMinutes(closure.starts_at);
    const end = C.isoDate(new Date(closure.ends_at), tz) > date ? 24 * 60 : localMinutes(closure.ends_at);
    const top = Math.max(start, from);
    const bottom = Math.min(end, to);
    return bottom > top ? [top - from, bottom - top] : null;
  }

  function closureBlock(closure, date, from, to, lane) {
    const part = closedPart(closure, date, from, to);
    if (!part) return null;
    const position = "top:" + px(part[0]) + ";height:" + px(part[1]) + (lane ? ";left:" + lane.left + "%;width:" + lane.width + "%" : "");
    const when = C.day(closure.starts_at, tz) + " " + C.time(closure.starts_at, tz) + " – " + C.day(closure.ends_at, tz) + " " + C.time(closure.ends_at, tz);
    const label = C.fmt(s.closure, { reason: closure.reason });
    return el(
      "div",
      {
        class: "closure-block " + (closure.bay_id ? "bay-closure" : "store-closure"),
        "data-closure-id": String(closure.id),
        style: position,
        title: label + "\n" + when,
      },
      [el("span", { class: "closure-reason", text: label })]
    );
  }

  function block(booking, from, lane) {
    const top = localMinutes(booking.start) - from;
    const length = Math.max(localMinutes(booking.end) - localMinutes(booking.start), 20);
    const position = "top:" + px(top) + ";height:" + px(length) + (lane ? ";left:" + lane.left + "%;width:" + lane.width + "%" : "");
    const button = el("button", { type: "button", class: "block-open", "aria-label": booking.plate + " " + booking.service_name }, [
      el("span", { class: "block-head" }, [
        // A week's lanes are narrow: the start is enough there.
        el("strong", { class: "floor-time", text: C.time(booking.start, tz) + (lane ? "" : "–" + C.time(booking.end, tz)) }),
        C.badge(booking.status),
      ]),
      el("span", { class: "plate", text: booking.plate }),
      el("span", { class: "service", text: booking.service_name }),
    ]);
    button.addEventListener("click", () => select(booking.id));
    return el(
      "li",
      {
        class: "floor-booking block status-" + booking.status + (booking.id === selected ? " selected" : ""),
        "data-booking-id": String(booking.id),
        "data-status": booking.status,
        style: position,
      },
      [button]
    );
  }

  function day(data) {
    const [from, to] = span([data]);
    const lanes = data.bays.map((bay) =>
      el("section", { class: "lane bay", "data-bay-id": String(bay.id) }, [
        el("h2", { class: "lane-head" }, [bay.name + " ", el("span", { class: "muted small", text: "(" + bay.bookings.length + ")" })]),
        el("div", { class: "lane-body", style: "height:" + px(to - from) }, [
          ...backdrop(data.date, from, to),
          ...(bay.closures || []).map((c) => closureBlock(c, data.date, from, to)),
          el("ol", { class: "blocks" }, bay.bookings.map((b) => block(b, from))),
        ]),
      ])
    );
    return el("div", { class: "board day-board", "data-date": data.date }, [axis(from, to), ...lanes]);
  }

  function week(days) {
    const [from, to] = span(days);
    const bayIds = [];
    for (const d of days) for (const bay of d.bays) if (!bayIds.includes(bay.id)) bayIds.push(bay.id);
    const width = 100 / Math.max(bayIds.length, 1);
    const columns = days.map((d) => {
      const blocks = [];
      // A whole-store closure is listed under every bay: drawn once, across the day's column.
      const closed = new Map();
      for (const bay of d.bays) {
        const lane = { left: bayIds.indexOf(bay.id) * width, width: width };
        for (const b of bay.bookings) blocks.push(block(b, from, lane));
        for (const c of bay.closures || []) {
          if (c.bay_id) closed.set(c.id, closureBlock(c, d.date, from, to, lane));
          else if (!closed.has(c.id)) closed.set(c.id, closureBlock(c, d.date, from, to));
        }
      }
      const head = el("button", { type: "button", class: "lane-head day-link", text: dayLabel(d.date) });
      head.addEventListener("click", function () {
        view = "day";
        dateInput.value = d.date;
        load(true);
      });
      return el("section", { class: "lane week-day" + (d.date === dateInput.value ? " current" : ""), "data-date": d.date }, [
        head,
        el("div", { class: "lane-body", style: "height:" + px(to - from) }, [
          ...backdrop(d.date, from, to),
          ...closed.values(),
          el("ol", { class: "blocks" }, blocks),
        ]),
      ]);
    });
    return el("div", { class: "board week-board" }, [axis(from, to), ...columns]);
  }

  // --- one booking -------------------------------------------------------------------------------------------------

  function select(id) {
    selected = id;
    remember(true);
    for (const node of board.querySelectorAll(".floor-booking")) node.classList.toggle("selected", Number(node.dataset.bookingId) === id);
    open(id);
  }

  function closeDetail(push) {
    selected = null;
    detail.hidden = true;
    detail.replaceChildren();
    for (const node of board.querySelectorAll(".floor-booking.selected")) node.classList.remove("selected");
    if (push) remember(true);
  }

  async function open(id) {
    let booking;
    try {
      booking = await C.api("GET", "/partner/bookings/" + id);
    } catch (error) {
      if (error.status === 404) closeDetail(false);
      else C.say(message, C.explain(error), "error");
      return;
    }
    tz = tz || booking.timezone;
    detail.replaceChildren(card(booking));
    detail.hidden = false;
    detail.dataset.bookingId = String(booking.id);
    if (window.matchMedia("(max-width: 900px)").matches) detail.scrollIntoView({ block: "start" });
  }

  async function refresh(booking) {
    await load(false);
    if (!selected) await open(booking.id);
  }

  function card(booking) {
    const panel = el("div", { class: "inline-panel", hidden: true });
    const actions = el("div", { class: "actions" });
    const notes = el("div", { class: "action-notes" });
    const button = (text, cls, onclick) => el("button", { type: "button", class: cls, text: text, onclick: onclick });
    const now = Date.now();
    const start = new Date(booking.start).getTime();
    switch (booking.status) {
      case "confirmed":
        if (may("check-in")) {
          const check = button(t.checkIn, "act-check-in", () => act(booking, "check-in", panel));
          if (now < start - LEAD_MS) {
            const opens = new Date(start - LEAD_MS).toISOString();
            const when = C.isoDate(new Date(opens), tz) === C.isoDate(new Date(), tz) ? C.time(opens, tz) : C.day(opens, tz) + " " + C.time(opens, tz);
            const why = C.fmt(s.checkInOpensAt, { time: when, hours: String(shop.checkInLeadMinutes / 60) });
            check.disabled = true;
            check.title = why;
            check.setAttribute("aria-describedby", "check-in-why");
            notes.append(el("p", { id: "check-in-why", class: "muted small check-in-why", text: why }));
          }
          actions.append(check);
        }
        if (may("no-show") && now >= start) actions.append(button(t.noShow, "secondary act-no-show", () => act(booking, "no-show", panel)));
        break;
      case "checked_in":
        if (may("start")) actions.append(button(t.start, "act-start", () => act(booking, "start", panel)));
        break;
      case "in_service":
        if (may("complete")) actions.append(button(t.complete, "act-complete", () => act(booking, "complete", panel)));
        break;
    }
    if (["checked_in", "in_service"].includes(booking.status)) {
      if (may("checklist")) actions.append(button(t.checklist, "secondary act-checklist", () => checklist(booking, panel, false)));
      if (may("supplement")) actions.append(button(s.proposeExtraWork, "secondary act-extra-work", () => extraWork(booking, panel)));
    }
    if (booking.service_code === "consignment_inspection" && ["checked_in", "in_service", "completed"].includes(booking.status)) {
      actions.append(el("a", { class: "button-link act-inspection", href: "/consignment/inspection/" + booking.id + "/", text: t.inspectionReport }));
    }
    if (may("cancel") && ["pending_payment", "confirmed", "checked_in"].includes(booking.status)) {
      actions.append(button(t.storeCancel, "secondary act-cancel", () => callOff(booking, panel)));
    }
    const supplements = (booking.supplements || []).map((x) =>
      el("li", { class: "supplement", "data-supplement-id": String(x.id), "data-status": x.status }, [
        el("div", { class: "card-head" }, [el("span", { text: x.reason }), el("strong", { text: C.money(x.total) })]),
        el("ul", { class: "supplement-lines small" }, x.lines.map((l) => el("li", { text: l.description + " × " + l.qty + " · " + C.money(l.amount) }))),
        el("span", { class: "badge", text: s.supplementStatus[x.status] || x.status }),
        ...x.photos.map((p) => el("img", { class: "thumb", src: p.url, alt: x.reason, loading: "lazy" })),
      ])
    );
    return el("article", { class: "card floor-detail", "data-booking-id": String(booking.id), "data-status": booking.status }, [
      el("div", { class: "card-head" }, [
        el("strong", { class: "floor-time", text: C.span(booking, tz) }),
        C.badge(booking.status),
        el("button", { type: "button", class: "secondary close-detail", text: s.closePanel, "aria-label": s.closePanel, onclick: () => closeDetail(true) }),
      ]),
      el("p", { class: "service", text: booking.service_name || booking.service_code }),
      el("p", {}, [el("strong", { class: "plate", text: booking.plate }), " " + (booking.vehicle || "")]),
      el("p", { class: "owner" }, [booking.owner_name + " · ", el("span", { class: "phone", text: booking.owner_phone })]),
      el("p", { class: "amount" }, [s.amountDue + " ", el("strong", { text: C.money(booking.amount_due) })]),
      actions,
      notes,
      supplements.length ? el("section", { class: "supplements" }, [el("h3", { text: s.extraWork }), el("ul", { class: "plain" }, supplements)]) : null,
      panel,
    ]);
  }

  async function act(booking, action, panel) {
    try {
      const now = await C.api("POST", "/partner/bookings/" + booking.id + "/" + action);
      await after(booking, C.fmt(t.done, { plate: now.plate, status: t.status[now.status] || now.status }));
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
        await after(booking, C.fmt(t.done, { plate: now.plate, status: t.status[now.status] }));
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

  // A photo taken with the phone's camera (or picked), uploaded at once: calls `done(photo)` with {id, url}.
  function photoPicker(booking, label, note, done) {
    const input = el("input", { type: "file", accept: "image/*", capture: "environment", class: "photo-input", "aria-label": label });
    input.addEventListener("change", async function () {
      for (const file of Array.from(input.files)) {
        const form = new FormData();
        form.append("photo", file);
        try {
          done(await C.api("POST", "/partner/bookings/" + booking.id + "/photos", { form: form }));
          C.say(note, s.photoAdded, "ok");
        } catch (error) {
          C.say(note, C.fmt(t.photoFailed, { name: file.name, error: C.explain(error) }), "error");
        }
      }
      input.value = "";
    });
    return el("label", { class: "photo-pick button-link secondary" }, [label, input]);
  }

  // The booking's checklist as a form: pass / fail / n.a., a note and a photo per item. With `completing`, saving
  // also completes the job (what the 完工 button was refused for).
  async function checklist(booking, panel, completing) {
    let sheet;
    try {
      sheet = await C.api("GET", "/partner/bookings/" + booking.id + "/checklist");
    } catch (error) {
      C.say(message, C.explain(error), "error");
      return;
    }
    const note = el("p", { role: "alert" });
    const form = el("form", { class: "checklist" }, [
      el("h3", { text: C.fmt(t.checklistFor, { plate: booking.plate, service: booking.service_name || "" }) }),
    ]);
    for (const item of sheet.items) {
      const name = "r-" + booking.id + "-" + item.code;
      const choices = Object.entries(t.result).map(([value, label]) =>
        el("label", { class: "choice" }, [el("input", { type: "radio", name: name, value: value, checked: item.result === value }), " " + label])
      );
      const thumbs = el("span", { class: "thumbs" }, item.photo ? [el("img", { class: "thumb", src: item.photo.url, alt: item.label })] : []);
      const fieldset = el("fieldset", { class: "check-item", "data-code": item.code }, [
        el("legend", {}, [item.label, item.required ? el("span", { class: "req", text: " *" + t.required }) : null]),
        el("div", { class: "choices" }, choices),
        el("input", { name: "n-" + item.code, class: "note", maxlength: "1000", value: item.note || "", placeholder: t.note, "aria-label": t.note }),
      ]);
      if (item.photo) fieldset.dataset.photo = String(item.photo.id);
      fieldset.append(
        el("div", { class: "row tight" }, [
          photoPicker(booking, s.takePhoto, note, function (photo) {
            fieldset.dataset.photo = String(photo.id);
            thumbs.replaceChildren(el("img", { class: "thumb", src: photo.url, alt: item.label }));
          }),
          thumbs,
        ])
      );
      form.append(fieldset);
    }
    const allPass = el("button", { type: "button", class: "secondary all-pass", text: t.allPass });
    allPass.addEventListener("click", function () {
      for (const fieldset of form.querySelectorAll(".check-item")) {
        if (!fieldset.querySelector("input[type=radio]:checked")) fieldset.querySelector("input[value=pass]").checked = true;
      }
    });
    const canComplete = may("complete") && (completing || booking.status === "in_service");
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
        const answer = picked ? { code: fieldset.dataset.code, result: picked.value, note: text } : null;
        if (answer && fieldset.dataset.photo) answer.photo = Number(fieldset.dataset.photo);
        if (answer) items.push(answer);
      }
      if (!items.length) {
        C.say(note, t.answerSomething, "error");
        return;
      }
      try {
        await C.api("PUT", "/partner/bookings/" + booking.id + "/checklist", { body: { items: items } });
        if (!canComplete) {
          await after(booking, t.saved);
          return;
        }
        const done = await C.api("POST", "/partner/bookings/" + booking.id + "/complete");
        await after(booking, C.fmt(t.done, { plate: done.plate, status: t.status[done.status] }));
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

  // Extra work found on the car: priced lines and photos, sent to the owner to approve.
  function extraWork(booking, panel) {
    const note = el("p", { role: "alert" });
    const photos = [];
    const thumbs = el("span", { class: "thumbs" });
    const lines = el("div", { class: "extra-lines" });
    function line() {
      const row = el("div", { class: "extra-line row tight" }, [
        el("input", { name: "description", class: "line-description", maxlength: "200", required: true, placeholder: s.item, "aria-label": s.item }),
        el("input", { name: "qty", class: "line-qty", type: "number", min: "0.01", step: "0.01", value: "1", required: true, "aria-label": s.qty }),
        el("input", { name: "unit_price", class: "line-price", type: "number", min: "0", step: "0.01", required: true, placeholder: s.unitPrice, "aria-label": s.unitPrice }),
      ]);
      row.append(el("button", { type: "button", class: "secondary remove-line", text: "×", title: s.removeLine, "aria-label": s.removeLine, onclick: () => lines.children.length > 1 && row.remove() }));
      lines.append(row);
    }
    line();
    const reason = el("textarea", { name: "reason", class: "extra-reason", maxlength: "1000", required: true, rows: "2", placeholder: s.reasonForOwner, "aria-label": s.reasonForOwner });
    const form = el("form", { class: "extra-work" }, [
      el("h3", { text: s.proposeExtraWork }),
      reason,
      lines,
      el("button", { type: "button", class: "secondary add-line", text: s.addLine, onclick: line }),
      el("div", { class: "row tight" }, [
        photoPicker(booking, s.takePhoto, note, function (photo) {
          photos.push(photo.id);
          thumbs.append(el("img", { class: "thumb", src: photo.url, alt: s.extraWork }));
        }),
        thumbs,
      ]),
      el("div", { class: "actions" }, [
        el("button", { type: "submit", class: "send-extra-work", text: s.send }),
        el("button", { type: "button", class: "secondary", text: t.close, onclick: () => (panel.hidden = true) }),
      ]),
      note,
    ]);
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const body = {
        reason: reason.value.trim(),
        lines: Array.from(lines.children).map((row) => ({
          description: row.querySelector(".line-description").value.trim(),
          qty: row.querySelector(".line-qty").value,
          unit_price: row.querySelector(".line-price").value,
        })),
        photos: photos,
      };
      try {
        await C.api("POST", "/partner/bookings/" + booking.id + "/supplements", { body: body });
        await after(booking, s.sent);
      } catch (error) {
        C.say(note, C.explain(error), "error");
      }
    });
    panel.replaceChildren(form);
    panel.hidden = false;
    panel.scrollIntoView({ block: "nearest" });
  }

  // --- controls ------------------------------------------------------------------------------------------------------

  function shift(direction) {
    if (!dateInput.value) return;
    dateInput.value = addDays(dateInput.value, direction * (view === "week" ? 7 : 1));
    load(true);
  }

  storeSelect.addEventListener("change", function () {
    localStorage.setItem(STORE, storeSelect.value);
    selected = null;
    load(true);
  });
  dateInput.addEventListener("change", () => load(true));
  document.getElementById("prev-day").addEventListener("click", () => shift(-1));
  document.getElementById("next-day").addEventListener("click", () => shift(1));
  document.getElementById("refresh").addEventListener("click", () => load(false));
  document.getElementById("today").addEventListener("click", function () {
    dateInput.value = "";
    load(true);
  });
  for (const button of document.querySelectorAll(".view-switch button")) {
    button.addEventListener("click", function () {
      view = button.dataset.view;
      load(true);
    });
  }

  C.mountAuth(document.getElementById("auth"), function (me) {
    board.replaceChildren();
    closeDetail(false);
    storeSelect.replaceChildren();
    stores = me ? me.stores : [];
    controls.hidden = !stores.length;
    document.getElementById("apply-link").hidden = !me || stores.length > 0;
    if (!me) {
      C.say(message, "");
      return;
    }
    if (!stores.length) {
      C.say(message, t.noStores, "error");
      return;
    }
    for (const x of stores) storeSelect.append(el("option", { value: String(x.id), text: x.name }));
    const remembered = localStorage.getItem(STORE);
    if (remembered && stores.some((x) => String(x.id) === remembered)) storeSelect.value = remembered;
    selected = Number(new URLSearchParams(location.search).get("booking")) || null;
    load(false);
  });
})();
