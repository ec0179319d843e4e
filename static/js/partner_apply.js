// Joining as a partner store: the user's applications with QA's decision (GET /partner/applications), and the form
// that sends a new one (POST /partner/applications): the shop, where it is (its address geocoded through
// GET /geo/geocode, or the browser's location at the shop), its kinds of work, its bays and its week.
(function () {
  "use strict";
  const C = window.Chefu;
  const el = C.el;
  const page = JSON.parse(document.getElementById("chefu-apply").textContent);
  const s = page.texts;
  const list = document.getElementById("applications");
  const listMessage = document.getElementById("applications-message");
  const form = document.getElementById("apply-form");
  const formMessage = document.getElementById("apply-message");
  const locateMessage = document.getElementById("locate-message");
  const bays = document.getElementById("apply-bays");
  let place = null; // {lat, lng} in WGS-84 once located

  // --- the applications so far ---------------------------------------------------------------------------------

  function when(iso) {
    return new Date(iso).toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" });
  }

  function card(a) {
    const lines = [
      el("p", { class: "card-head" }, [
        el("strong", { text: a.name }),
        el("span", { class: "badge application-" + a.status, text: s.statusLabel[a.status] || a.status }),
      ]),
      el("p", { class: "muted small", text: a.address }),
      el("p", { class: "muted small", text: C.fmt(s.submittedAt, { time: when(a.submitted_at) }) }),
    ];
    if (a.status === "submitted") lines.push(el("p", { class: "decision", text: s.waiting }));
    if (a.status === "approved") {
      lines.push(
        el("p", { class: "decision ok", text: s.approved }),
        el("a", { class: "button", href: "/partner/schedule/?store=" + a.store_id, text: s.openConsole })
      );
    }
    if (a.status === "rejected") {
      lines.push(
        el("p", { class: "decision error", text: C.fmt(s.rejected, { reason: a.reject_reason }) }),
        el("p", { class: "muted small", text: C.fmt(s.reviewedAt, { time: when(a.reviewed_at) }) })
      );
    }
    return el("li", { class: "card application", "data-status": a.status }, lines);
  }

  async function load() {
    let answer;
    try {
      answer = await C.api("GET", "/partner/applications?limit=20");
    } catch (error) {
      C.say(listMessage, C.explain(error), "error");
      return;
    }
    list.replaceChildren(...answer.items.map(card));
    const waiting = answer.items.some((a) => a.status === "submitted");
    const refused = answer.items.length && answer.items[0].status === "rejected";
    C.say(listMessage, !answer.items.length ? s.noApplications : refused ? s.applyAgain : "");
    // One application waits at a time (the API answers 409 to a second).
    form.hidden = waiting;
  }

  // --- where the shop is -----------------------------------------------------------------------------------------

  function located(lat, lng, text) {
    place = { lat: lat, lng: lng };
    C.say(locateMessage, text, "ok");
  }

  document.getElementById("locate-address").addEventListener("click", async function () {
    place = null;
    const q = form.address.value.trim();
    if (!q) {
      C.say(locateMessage, s.needLocation, "error");
      return;
    }
    C.say(locateMessage, s.locating);
    try {
      const found = await C.api("GET", "/geo/geocode?" + new URLSearchParams({ q: q, city: form.city.value.trim() }));
      located(found.lat, found.lng, C.fmt(s.located, { address: found.address }));
    } catch (error) {
      C.say(locateMessage, error.status === 404 ? s.notLocated : C.explain(error), "error");
    }
  });

  document.getElementById("locate-here").addEventListener("click", function () {
    if (!navigator.geolocation) {
      C.say(locateMessage, s.noGeolocation, "error");
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (where) => located(where.coords.latitude, where.coords.longitude, s.hereLocated),
      () => C.say(locateMessage, s.noGeolocation, "error"),
      { enableHighAccuracy: true, timeout: 10000 }
    );
  });

  // Typing another address forgets the place found for the old one.
  form.address.addEventListener("input", function () {
    place = null;
    C.say(locateMessage, "");
  });

  // --- bays --------------------------------------------------------------------------------------------------------

  function chosenCategories() {
    return Array.from(form.querySelectorAll("#apply-categories input:checked"), (box) => box.value);
  }

  function renumber() {
    Array.from(bays.children).forEach(function (row, i) {
      row.querySelector("legend").textContent = C.fmt(s.bay, { n: i + 1 });
      row.querySelector(".remove-bay").hidden = bays.children.length === 1;
    });
  }

  function addBay() {
    const n = bays.children.length + 1;
    const row = el("li", { class: "bay" }, [
      el("fieldset", {}, [
        el("legend", { text: C.fmt(s.bay, { n: n }) }),
        el("label", { class: "bay-name" }, [s.bayName, el("input", { name: "bay_name", required: true, maxlength: "40", value: C.fmt(s.bay, { n: n }) })]),
        el(
          "div",
          { class: "choices" },
          page.categories.map((c) =>
            el("label", { class: "choice" }, [el("input", { type: "checkbox", name: "bay_category", value: c.code, checked: chosenCategories().includes(c.code) }), " " + c.name])
          )
        ),
        el("button", { type: "button", class: "link remove-bay", text: s.removeBay, onclick: () => (row.remove(), renumber()) }),
      ]),
    ]);
    bays.append(row);
    renumber();
  }

  document.getElementById("add-bay").addEventListener("click", addBay);

  // Until the applicant changes a bay's kinds of work, the bay offers what the shop does.
  bays.addEventListener("change", function (event) {
    if (event.target.name === "bay_category") event.target.closest(".bay").dataset.touched = "true";
  });
  form.querySelector("#apply-categories").addEventListener("change", function (event) {
    for (const bay of bays.querySelectorAll(".bay:not([data-touched])")) {
      const box = bay.querySelector('input[name=bay_category][value="' + event.target.value + '"]');
      if (box) box.checked = event.target.checked;
    }
  });

  // --- sending -----------------------------------------------------------------------------------------------------

  function body() {
    const hours = [];
    for (const row of document.querySelectorAll("#apply-hours tr")) {
      if (!row.querySelector("[name=open]").checked) continue;
      hours.push({ weekday: Number(row.dataset.weekday), opens: row.querySelector("[name=opens]").value, closes: row.querySelector("[name=closes]").value });
    }
    return {
      name: form.name.value.trim(),
      phone: form.phone.value.trim(),
      city: form.city.value.trim(),
      address: form.address.value.trim(),
      lat: place.lat,
      lng: place.lng,
      categories: chosenCategories(),
      bays: Array.from(bays.children, (row) => ({
        name: row.querySelector("[name=bay_name]").value.trim(),
        categories: Array.from(row.querySelectorAll("[name=bay_category]:checked"), (box) => box.value),
      })),
      opening_hours: hours,
    };
  }

  function fieldErrors(fields) {
    for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
    for (const [name, messages] of Object.entries(fields || {})) {
      const node = form.querySelector('.field-error[data-for="' + name.split(".")[0] + '"]');
      if (node) node.textContent = [].concat(messages).join(" ");
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    fieldErrors({});
    if (!place) return C.say(formMessage, s.needLocation, "error");
    if (!chosenCategories().length) return C.say(formMessage, s.needCategory, "error");
    const submit = document.getElementById("apply-submit");
    submit.disabled = true;
    C.say(formMessage, s.sending);
    try {
      await C.api("POST", "/partner/applications", { body: body() });
    } catch (error) {
      fieldErrors(error.details && error.details.fields);
      C.say(formMessage, C.explain(error), "error");
      submit.disabled = false;
      return;
    }
    submit.disabled = false;
    form.reset();
    place = null;
    bays.replaceChildren();
    addBay();
    C.say(locateMessage, "");
    await load();
    C.say(listMessage, s.sent, "ok");
    list.scrollIntoView({ block: "start" });
  });

  addBay();
  load();
})();
