// The price list editor: each service the store offers with its labour and part lines, the city's reference band
// beside it, an editor that saves a new version (PUT /partner/stores/{id}/offerings/{code}), and each offering's
// version history (GET /stores/{id}/prices/{offering}/versions).
(function () {
  "use strict";
  const C = window.Chefu;
  const el = C.el;
  const K = window.ChefuShop;
  const s = K.s;
  const list = document.getElementById("prices");
  const adder = document.getElementById("add-service");
  const newService = document.getElementById("new-service");
  const newEditor = document.getElementById("new-editor");

  function when(iso) {
    return C.day(iso, K.store.timezone) + " " + C.time(iso, K.store.timezone);
  }

  function band(price) {
    const ref = price.reference;
    if (!ref) return el("p", { class: "band muted", text: s.noBand });
    const total = Number(price.total);
    let where = "in";
    if (total > Number(ref.p75)) where = "above";
    else if (total < Number(ref.p25)) where = "below";
    const label = { in: s.inBand, above: s.aboveBand, below: s.belowBand }[where];
    return el("p", { class: "band band-" + where }, [
      el("span", { text: C.fmt(s.band, { p25: C.money(ref.p25), p75: C.money(ref.p75), median: C.money(ref.median) }) }),
      " ",
      el("span", { class: "badge band-mark", text: label }),
    ]);
  }

  function lines(price) {
    const rows = [el("li", {}, [el("span", { text: s.labour }), el("span", { class: "amount", text: C.money(price.labour) })])];
    for (const part of price.parts) {
      rows.push(
        el("li", {}, [
          el("span", { text: part.name + " × " + part.qty + " @ " + C.money(part.unit_price) }),
          el("span", { class: "amount", text: C.money(part.amount) }),
        ])
      );
    }
    return el("ul", { class: "price-lines" }, rows);
  }

  function partRow(part) {
    const row = el("div", { class: "row part-line" }, [
      el("input", { name: "sku", value: part ? part.sku : "", placeholder: s.sku, "aria-label": s.sku, required: true, maxlength: "40" }),
      el("input", { name: "qty", value: part ? part.qty : "1", inputmode: "decimal", "aria-label": s.qty, required: true }),
      el("input", { name: "unit_price", value: part ? part.unit_price : "", inputmode: "decimal", placeholder: s.unitPrice, "aria-label": s.unitPrice, required: true }),
    ]);
    row.append(el("button", { type: "button", class: "secondary", text: s.remove, onclick: () => row.remove() }));
    return row;
  }

  // The editor of one service's price; `price` is the one in force (or null for a service not priced yet).
  function editor(code, price, done) {
    const parts = el("div", { class: "part-lines" }, (price ? price.parts : []).map(partRow));
    const note = el("p", { class: "form-message", role: "status" });
    const form = el("form", { class: "price-editor", "data-service": code }, [
      el("div", { class: "row" }, [
        el("label", {}, [s.labour + " ", el("input", { name: "labour", inputmode: "decimal", required: true, value: price ? price.labour : "" })]),
        el("label", {}, [s.duration + " ", el("input", { name: "duration_min", type: "number", min: "5", step: "5", max: "1440", required: true, value: price ? String(price.duration_min) : "60" })]),
      ]),
      el("p", { class: "parts-head", text: s.parts }),
      parts,
      el("div", { class: "row" }, [
        el("button", { type: "button", class: "secondary", text: s.addPart, onclick: () => parts.append(partRow(null)) }),
        el("button", { type: "submit", text: s.save }),
        done ? el("button", { type: "button", class: "link", text: s.cancel, onclick: done }) : null,
      ]),
      note,
    ]);
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const body = {
        labour: form.elements.labour.value.trim(),
        duration_min: Number(form.elements.duration_min.value),
        parts: Array.from(parts.querySelectorAll(".part-line")).map((row) => ({
          sku: row.querySelector("[name=sku]").value.trim(),
          qty: row.querySelector("[name=qty]").value.trim(),
          unit_price: row.querySelector("[name=unit_price]").value.trim(),
        })),
      };
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const saved = await C.api("PUT", K.path("/offerings/" + encodeURIComponent(code)), { body: body });
        await load();
        K.say(C.fmt(s.saved, { service: saved.service.name, total: C.money(saved.total), n: saved.version }), "ok");
      } catch (error) {
        C.say(note, C.explain(error), "error");
        button.disabled = false;
      }
    });
    return form;
  }

  async function history(price, box, button) {
    if (!box.hidden) {
      box.hidden = true;
      button.textContent = s.history;
      return;
    }
    try {
      const data = await C.api("GET", "/stores/" + K.store.id + "/prices/" + price.offering_id + "/versions?limit=100");
      const rows = data.items.slice().reverse().map((v) =>
        el("li", { class: "version" + (v.is_current ? " current" : ""), "data-version": String(v.version) }, [
          el("div", { class: "card-head" }, [
            el("strong", { text: C.fmt(s.version, { n: v.version }) }),
            v.is_current ? el("span", { class: "badge", text: s.current }) : null,
            el("span", { class: "amount", text: C.money(v.total) }),
          ]),
          el("p", { class: "muted", text: s.labour + " " + C.money(v.labour) + (v.parts.length ? " · " + v.parts.map((p) => p.name + " × " + p.qty).join("，") : "") }),
          el("p", { class: "muted", text: when(v.created_at) + (v.created_by ? " " + C.fmt(s.by, { name: v.created_by }) : "") }),
        ])
      );
      box.replaceChildren(el("ol", { class: "plain versions" }, rows));
      box.hidden = false;
      button.textContent = s.hideHistory;
    } catch (error) {
      K.say(C.explain(error), "error");
    }
  }

  function card(price) {
    const body = el("div", { class: "price-body" });
    const versions = el("div", { class: "price-history", hidden: true });
    const historyButton = el("button", { type: "button", class: "secondary", text: s.history });
    historyButton.addEventListener("click", () => history(price, versions, historyButton));
    const show = function () {
      body.replaceChildren(
        lines(price),
        band(price),
        el("p", { class: "muted", text: C.fmt(s.version, { n: price.version }) + " · " + C.fmt(s.updated, { time: when(price.updated_at) }) + " · " + C.fmt(s.minutes, { n: price.duration_min }) }),
        el("div", { class: "row" }, [
          el("button", { type: "button", class: "edit-price", text: s.editPrice, onclick: () => body.replaceChildren(editor(price.service.code, price, show)) }),
          historyButton,
        ])
      );
    };
    show();
    return el("li", { class: "card price", "data-service": price.service.code, "data-offering-id": String(price.offering_id) }, [
      el("div", { class: "card-head" }, [
        el("h2", { text: price.service.name }),
        el("strong", { class: "price-total", text: C.money(price.total) }),
      ]),
      body,
      versions,
    ]);
  }

  async function load() {
    try {
      const [prices, services] = await Promise.all([
        C.api("GET", "/stores/" + K.store.id + "/prices"),
        C.api("GET", "/catalog/services"),
      ]);
      list.replaceChildren(...prices.map(card));
      if (!prices.length) list.append(el("li", { class: "muted", text: s.noPrices }));
      const priced = new Set(prices.map((p) => p.service.code));
      const rest = services.filter((x) => !priced.has(x.code));
      newService.replaceChildren(el("option", { value: "", text: s.chooseService }), ...rest.map((x) => el("option", { value: x.code, text: x.name })));
      newEditor.replaceChildren();
      adder.hidden = !rest.length;
    } catch (error) {
      K.say(C.explain(error), "error");
    }
  }

  newService.addEventListener("change", function () {
    newEditor.replaceChildren(newService.value ? editor(newService.value, null, null) : "");
  });

  K.onReady(load);
})();
