// A store's page: its itemized prices, and booking a free slot for one of the owner's cars.
(function () {
  "use strict";
  const C = window.Chefu;
  const t = C.t;
  const el = C.el;

  const panel = document.getElementById("booking");
  const storeId = panel.dataset.storeId;
  const tz = panel.dataset.timezone;
  const priceList = document.getElementById("price-list");
  const serviceSelect = document.getElementById("service");
  const dateSelect = document.getElementById("date");
  const vehicleBox = document.getElementById("vehicle-box");
  const vehicleSelect = document.getElementById("vehicle");
  const addVehicle = document.getElementById("add-vehicle");
  const vehicleForm = document.getElementById("vehicle-form");
  const vehicleMessage = document.getElementById("vehicle-message");
  const bookButton = document.getElementById("book");
  const message = document.getElementById("booking-message");
  const result = document.getElementById("booking-result");

  let me = null;
  let start = null;
  // The attempt in flight or last failed without an answer: retrying the same booking reuses its key.
  let attempt = null;

  const picker = C.slotPicker({
    storeId: storeId,
    list: document.getElementById("slots"),
    status: document.getElementById("slots-status"),
    onPick: function (picked) {
      start = picked;
      refreshButton();
    },
  });

  function refreshButton() {
    bookButton.disabled = !(me && serviceSelect.value && start && vehicleSelect.value);
  }

  function loadSlots() {
    return picker.load(serviceSelect.value, dateSelect.value);
  }

  // --- prices --------------------------------------------------------------------------------------------

  function priceItem(price) {
    const lines = el("table", { class: "lines" }, [
      el("tr", {}, [el("td", { text: t.labour }), el("td", { class: "num", text: C.money(price.labour) })]),
    ]);
    for (const part of price.parts) {
      lines.append(
        el("tr", {}, [
          el("td", { text: part.name + " × " + part.qty + " @ " + C.money(part.unit_price) }),
          el("td", { class: "num", text: C.money(part.amount) }),
        ])
      );
    }
    lines.append(
      el("tr", { class: "sum" }, [el("th", { scope: "row", text: t.total }), el("td", { class: "num", text: C.money(price.total) })])
    );
    const notes = [C.fmt(t.minutes, { count: price.duration_min })];
    if (price.reference) {
      notes.push(C.fmt(t.reference, { p25: C.money(price.reference.p25), p75: C.money(price.reference.p75) }));
    }
    return el("li", { class: "price", "data-service": price.service.code }, [
      el("div", { class: "price-head" }, [
        el("strong", { text: price.service.name }),
        el("span", { class: "price-total", text: C.money(price.total) }),
      ]),
      lines,
      el("p", { class: "muted small", text: notes.join(" · ") }),
    ]);
  }

  async function loadPrices() {
    let prices;
    try {
      prices = await C.api("GET", "/stores/" + storeId + "/prices");
    } catch (error) {
      priceList.replaceChildren(el("li", { class: "error", text: C.explain(error) }));
      return;
    }
    priceList.replaceChildren();
    serviceSelect.replaceChildren();
    if (!prices.length) priceList.append(el("li", { class: "muted", text: t.noPrices }));
    for (const price of prices) {
      priceList.append(priceItem(price));
      serviceSelect.append(
        el("option", { value: price.service.code, text: price.service.name + " · " + C.money(price.total) })
      );
    }
    const wanted = new URLSearchParams(location.search).get("service");
    if (wanted && prices.some((p) => p.service.code === wanted)) serviceSelect.value = wanted;
    loadSlots();
  }

  // --- the owner's cars ----------------------------------------------------------------------------------

  async function loadVehicles(select) {
    vehicleSelect.replaceChildren();
    try {
      const page = await C.api("GET", "/me/vehicles?limit=100");
      for (const v of page.items) {
        vehicleSelect.append(el("option", { value: String(v.id), text: v.plate + " · " + v.make + " " + v.model }));
      }
      if (select) vehicleSelect.value = String(select);
      addVehicle.open = page.items.length === 0;
      C.say(vehicleMessage, page.items.length ? "" : t.noVehicles);
    } catch (error) {
      C.say(vehicleMessage, C.explain(error), "error");
    }
    refreshButton();
  }

  document.getElementById("add-vehicle-button").addEventListener("click", async function () {
    const field = (name) => vehicleForm.querySelector("[name=" + name + "]");
    const body = {
      plate: field("plate").value.trim().toUpperCase(),
      make: field("make").value.trim(),
      model: field("model").value.trim(),
      year: parseInt(field("year").value, 10) || 0,
    };
    try {
      const vehicle = await C.api("POST", "/me/vehicles", { body: body });
      for (const name of ["plate", "make", "model", "year"]) field(name).value = "";
      await loadVehicles(vehicle.id);
      addVehicle.open = false;
      C.say(vehicleMessage, t.vehicleAdded, "ok");
    } catch (error) {
      C.say(vehicleMessage, C.explain(error), "error");
    }
  });

  // --- booking -------------------------------------------------------------------------------------------

  function payActions(booking) {
    const coupon = C.couponPicker(booking);
    const pay = C.payButton(booking, { message: message, refresh: () => reloadBooking(booking.id), choices: coupon.choices });
    return el("div", { class: "actions" }, [coupon.element, pay]);
  }

  function renderBooking(booking) {
    const quote = el("table", { class: "lines" });
    for (const line of booking.quote.lines) {
      const what = line.kind === "part" ? line.description + " × " + line.qty : line.description;
      quote.append(el("tr", {}, [el("td", { text: what }), el("td", { class: "num", text: C.money(line.amount) })]));
    }
    quote.append(
      el("tr", { class: "sum" }, [
        el("th", { scope: "row", text: t.total }),
        el("td", { class: "num total", text: C.money(booking.quote.total) }),
      ])
    );
    const payBefore = booking.pay_before ? C.day(booking.pay_before, tz) + " " + C.time(booking.pay_before, tz) : "";
    result.replaceChildren(
      el("h3", {}, [C.fmt(t.bookingNo, { id: booking.id }) + " ", C.badge(booking.status)]),
      el("dl", { class: "facts" }, [
        el("dt", { text: t.service }),
        el("dd", { text: booking.service_name }),
        el("dt", { text: t.time }),
        el("dd", { class: "booking-time", text: C.span(booking, tz) }),
        el("dt", { text: t.bay }),
        el("dd", { class: "booking-bay", text: booking.bay_name }),
        el("dt", { text: t.car }),
        el("dd", { text: booking.plate }),
      ]),
      quote,
      payBefore ? el("p", { class: "pay-before", text: C.fmt(t.payBefore, { time: payBefore }) }) : null,
      C.owes(booking) ? payActions(booking) : null,
      el("p", {}, el("a", { href: "/me/bookings/", text: t.myBookings }))
    );
    result.hidden = false;
    return payBefore;
  }

  function showBooking(booking) {
    const payBefore = renderBooking(booking);
    C.say(message, payBefore ? C.fmt(t.booked, { time: payBefore }) : "", "ok");
    result.scrollIntoView({ block: "nearest" });
  }

  async function reloadBooking(id) {
    try {
      renderBooking(await C.api("GET", "/bookings/" + id));
    } catch (error) {
      C.say(message, C.explain(error), "error");
    }
  }

  bookButton.addEventListener("click", async function () {
    const body = {
      store_id: Number(storeId),
      service_code: serviceSelect.value,
      vehicle_id: Number(vehicleSelect.value),
      start: start,
    };
    const signature = JSON.stringify(body);
    if (!attempt || attempt.signature !== signature) attempt = { signature: signature, key: C.newKey() };
    bookButton.disabled = true;
    C.say(message, t.booking);
    try {
      const booking = await C.api("POST", "/bookings", { body: body, key: attempt.key });
      attempt = null;
      showBooking(booking);
      await loadSlots();
    } catch (error) {
      // No answer (or a server failure): the same click may be retried with the same key. Any other answer
      // is final for that key, so the next click is a new attempt.
      if (!error.retryable) attempt = null;
      if (error.code === "slot_unavailable") {
        C.say(message, C.explain(error) + " " + t.slotTaken, "error");
        await loadSlots();
      } else {
        C.say(message, error.status === 401 ? t.signInFirst : C.explain(error), "error");
      }
    }
    refreshButton();
  });

  serviceSelect.addEventListener("change", loadSlots);
  dateSelect.addEventListener("change", loadSlots);
  vehicleSelect.addEventListener("change", refreshButton);

  C.dateOptions(dateSelect, tz, 15);
  loadPrices();
  C.mountAuth(document.getElementById("auth"), function (user) {
    me = user;
    vehicleBox.hidden = !user;
    if (user) loadVehicles();
    refreshButton();
  });
})();
