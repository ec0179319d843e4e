// Opening hours, closures and booking rules of a store, through the partner API: PUT .../opening-hours (the week
// replaced whole), GET|POST .../closures and DELETE .../closures/{id}, GET|PUT .../booking-policy. Times typed are
// the store's wall clock.
(function () {
  "use strict";
  const C = window.Chefu;
  const el = C.el;
  const K = window.ChefuShop;
  const s = K.s;
  const shop = JSON.parse(document.getElementById("chefu-shop").textContent);
  const hoursForm = document.getElementById("hours-form");
  const hoursList = document.getElementById("hours");
  const closureForm = document.getElementById("closure-form");
  const closures = document.getElementById("closures");
  const policyForm = document.getElementById("policy-form");
  const policyBox = document.getElementById("policy");
  let info = null;
  // Signed out, or refused: the page has no forms (the server renders them only for the store's managers).
  if (!hoursForm) return;

  function note(form, text, kind) {
    C.say(form.querySelector(".form-message"), text, kind);
  }

  // --- opening hours ---------------------------------------------------------------------------------------------

  function range(opens, closes) {
    const row = el("li", { class: "row tight hours-range" }, [
      el("input", { type: "time", name: "opens", value: opens || "09:00", required: true, "aria-label": s.opens }),
      "–",
      el("input", { type: "time", name: "closes", value: closes || "18:00", required: true, "aria-label": s.closes }),
    ]);
    row.append(el("button", { type: "button", class: "link", text: s.remove, onclick: () => row.remove() }));
    return row;
  }

  function renderHours(rows) {
    hoursList.replaceChildren(
      ...shop.weekdays.map(function (label, weekday) {
        const ranges = el("ul", { class: "plain day-ranges" }, rows.filter((r) => r.weekday === weekday).map((r) => range(r.opens, r.closes)));
        return el("li", { class: "day-hours", "data-weekday": String(weekday) }, [
          el("strong", { class: "day-name", text: label }),
          ranges,
          el("span", { class: "muted closed-note", text: s.closedDay }),
          el("button", { type: "button", class: "secondary add-range", text: s.addRange, onclick: () => ranges.append(range()) }),
        ]);
      })
    );
  }

  hoursForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    const rows = [];
    for (const day of hoursList.querySelectorAll(".day-hours")) {
      for (const r of day.querySelectorAll(".hours-range")) {
        rows.push({ weekday: Number(day.dataset.weekday), opens: r.querySelector("[name=opens]").value, closes: r.querySelector("[name=closes]").value });
      }
    }
    try {
      const saved = await C.api("PUT", K.path("/opening-hours"), { body: { opening_hours: rows } });
      renderHours(saved.opening_hours);
      note(hoursForm, s.hoursSaved, "ok");
    } catch (error) {
      note(hoursForm, C.explain(error), "error");
    }
  });

  // --- closures --------------------------------------------------------------------------------------------------

  // The instant of a wall-clock time ("2026-12-06T10:00") in the store's zone, as ISO 8601 in UTC.
  function instant(local) {
    const guess = new Date(local + ":00Z");
    const parts = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: info.timezone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    }).formatToParts(guess).forEach((p) => (parts[p.type] = p.value));
    const seen = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute);
    return new Date(guess.getTime() - (seen - guess.getTime())).toISOString();
  }

  function bayName(id) {
    const bay = (info.bays || []).find((b) => b.id === id);
    return bay ? bay.name : s.wholeStore;
  }

  // The closure's 删除 button, then in its place the question and the two answers; deleting reloads the list.
  function closureActions(c) {
    const box = el("span", { class: "closure-actions" });
    const ask = el("button", { type: "button", class: "secondary delete-closure", text: s.deleteClosure, "aria-label": s.deleteClosure + " " + c.reason });
    function idle() {
      box.replaceChildren(ask);
    }
    ask.addEventListener("click", function () {
      const sure = el("button", { type: "button", class: "danger confirm-delete", text: s.confirmDelete });
      sure.addEventListener("click", async function () {
        sure.disabled = true;
        try {
          await C.api("DELETE", K.path("/closures/" + c.id));
          note(closureForm, s.closureDeleted, "ok");
        } catch (error) {
          note(closureForm, C.explain(error), "error");
        }
        await loadClosures();
      });
      box.replaceChildren(
        el("span", { class: "confirm-question", text: s.deleteClosureQuestion }),
        sure,
        el("button", {
          type: "button",
          class: "secondary keep-closure",
          text: s.cancel,
          onclick: function () {
            idle();
            ask.focus();
          },
        })
      );
      sure.focus();
    });
    idle();
    return box;
  }

  async function loadClosures() {
    const data = await C.api("GET", K.path("/closures?limit=100"));
    closures.replaceChildren(
      ...data.items.map((c) =>
        el("li", { class: "closure", "data-closure-id": String(c.id) }, [
          el("span", { class: "closure-what" }, [
            el("strong", { text: C.day(c.starts_at, info.timezone) + " " + C.time(c.starts_at, info.timezone) + " – " + C.day(c.ends_at, info.timezone) + " " + C.time(c.ends_at, info.timezone) }),
            el("span", { class: "muted", text: " · " + bayName(c.bay_id) + " · " + c.reason }),
          ]),
          closureActions(c),
        ])
      )
    );
    if (!data.items.length) closures.append(el("li", { class: "muted", text: s.noClosures }));
  }

  closureForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    const f = closureForm.elements;
    const body = { starts_at: instant(f.starts_at.value), ends_at: instant(f.ends_at.value), reason: f.reason.value.trim() };
    if (f.bay_id.value) body.bay_id = Number(f.bay_id.value);
    try {
      await C.api("POST", K.path("/closures"), { body: body });
      closureForm.reset();
      await loadClosures();
      note(closureForm, s.closureAdded, "ok");
    } catch (error) {
      note(closureForm, C.explain(error), "error");
    }
  });

  // --- booking rules ---------------------------------------------------------------------------------------------

  function renderPolicy(policy) {
    policyBox.replaceChildren(
      ...shop.policy.map((field) =>
        el("label", {}, [
          field.label + " ",
          el("input", { type: "number", name: field.name, min: field.min, max: field.max, step: field.step, required: true, value: String(policy[field.name]) }),
        ])
      )
    );
  }

  policyForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    const body = {};
    for (const field of shop.policy) {
      const value = policyForm.elements[field.name].value;
      body[field.name] = field.name === "cancel_fee_pct" ? value : Number(value);
    }
    try {
      renderPolicy(await C.api("PUT", K.path("/booking-policy"), { body: body }));
      note(policyForm, s.policySaved, "ok");
    } catch (error) {
      note(policyForm, C.explain(error), "error");
    }
  });

  K.onReady(async function () {
    try {
      const [store, policy] = await Promise.all([C.api("GET", "/stores/" + K.store.id), C.api("GET", K.path("/booking-policy"))]);
      info = store;
      renderHours(store.opening_hours || []);
      closureForm.elements.bay_id.replaceChildren(
        el("option", { value: "", text: s.wholeStore }),
        ...(store.bays || []).map((b) => el("option", { value: String(b.id), text: b.name }))
      );
      renderPolicy(policy);
      await loadClosures();
    } catch (error) {
      K.say(C.explain(error), "error");
    }
  });
})();
