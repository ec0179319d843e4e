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

  const priceBasis = document.getElementById("price-basis");
  const askCar = document.getElementById("ask-car");
  const bookingQuote = document.getElementById("booking-quote");
  const bookingCar = document.getElementById("booking-car");
  const bookBar = document.getElementById("book-bar");

  let me = null;
  let start = null;
  // The attempt in flight or last failed without an answer: retrying the same booking reuses its key.
  let attempt = null;
  // GET /stores/{id}/prices: the store's price list (totals for its own reference car).
  let prices = [];
  // GET /stores/{id}/quotes for the chosen car: {vehicleId, car, byService: {code: item}}; null without a car.
  let quotes = null;
  let quotesRequest = 0;

  const picker = C.slotPicker({
    storeId: storeId,
    list: document.getElementById("slots"),
    status: document.getElementById("slots-status"),
    onPick: function (picked) {
      start = picked;
      refreshButton();
    },
  });

  // The quote for the chosen car of the chosen service, when there is one that applies.
  function chosenQuote() {
    const item = quotes && quotes.byService[serviceSelect.value];
    return item && item.applies ? item.quote : null;
  }

  // 预约 says what booking charges: the chosen car's quote total, which POST /bookings is held to (expected_total).
  function refreshButton() {
    const quote = chosenQuote();
    bookButton.disabled = !(me && serviceSelect.value && start && vehicleSelect.value && quote);
    bookButton.textContent = quote ? C.fmt(t.bookFor, { amount: C.money(quote.total) }) : t.book;
    refreshBar();
  }

  // The phone's bar at the bottom: the chosen service at its price for the car (or from what), leading to the panel.
  function refreshBar() {
    const price = prices.find((p) => p.service.code === serviceSelect.value);
    if (!price) {
      bookBar.hidden = true;
      return;
    }
    const quote = chosenQuote();
    bookBar.querySelector(".book-bar-service").textContent = price.service.name;
    bookBar.querySelector(".book-bar-price").textContent = quote ? C.money(quote.total) : fromText(price);
    bookBar.hidden = false;
  }

  // What the page was opened with (?vehicle=&service=) is kept in its address, so a reload or a shared link keeps them.
  function remember(name, value) {
    const url = new URL(location.href);
    if (value) url.searchParams.set(name, value);
    else url.searchParams.delete(name);
    history.replaceState(history.state, "", url);
  }

  // The service the slots shown are for.
  let slotsFor = null;

  function loadSlots() {
    slotsFor = serviceSelect.value;
    return picker.load(serviceSelect.value, dateSelect.value);
  }

  // --- prices --------------------------------------------------------------------------------------------

  function carName(vehicle) {
    return vehicle.plate + " · " + vehicle.make + " " + vehicle.model;
  }

  // What the price list says without a car: the same total for every car, or "from" the labour (parts by car).
  function fromText(price) {
    return price.varies_by_vehicle ? C.fmt(t.priceFrom, { amount: C.money(price.price_from) }) : C.money(price.total);
  }

  // The itemized quote for one car: labour and part lines (description × qty), then the total and the notes.
  function quoteTable(quote) {
    const table = el("table", { class: "lines" });
    for (const line of quote.lines) {
      const what = line.kind === "part" ? line.description + " × " + line.qty : line.description;
      table.append(el("tr", {}, [el("td", { text: what }), el("td", { class: "num", text: C.money(line.amount) })]));
    }
    table.append(
      el("tr", { class: "sum" }, [
        el("th", { scope: "row", text: t.total }),
        el("td", { class: "num quote-total", text: C.money(quote.total) }),
      ])
    );
    return table;
  }

  function quoteNotes(quote) {
    return quote.notes.length ? el("ul", { class: "quote-notes muted small" }, quote.notes.map((n) => el("li", { text: n }))) : null;
  }

  function priceHead(price, amount, extraClass) {
    return el("div", { class: "price-head" }, [
      el("strong", { text: price.service.name }),
      el("span", { class: "price-total" + (extraClass ? " " + extraClass : ""), text: amount }),
    ]);
  }

  function referenceNote(price) {
    const band = C.fmt(t.reference, { p25: C.money(price.reference.p25), p75: C.money(price.reference.p75) });
    return el("p", { class: "muted small reference", text: band });
  }

  function minutesNote(price) {
    const notes = [C.fmt(t.minutes, { count: price.duration_min })];
    if (price.reference) {
      notes.push(C.fmt(t.reference, { p25: C.money(price.reference.p25), p75: C.money(price.reference.p75) }));
    }
    return el("p", { class: "muted small", text: notes.join(" · ") });
  }

  // Without a car: labour, and the parts as a promise to quote them for the car.
  function listedItem(price) {
    const lines = el("table", { class: "lines" }, [
      el("tr", {}, [el("td", { text: t.labour }), el("td", { class: "num", text: C.money(price.labour) })]),
    ]);
    if (price.varies_by_vehicle) {
      lines.append(el("tr", { class: "parts-by-car" }, [el("td", { colspan: 2, class: "muted", text: t.partsByCar })]));
    }
    return el("li", { class: "price", "data-service": price.service.code, "data-varies": String(price.varies_by_vehicle) }, [
      priceHead(price, fromText(price), price.varies_by_vehicle ? "from" : ""),
      lines,
      price.needs_engine ? el("p", { class: "muted small", text: t.notForEV }) : null,
      minutesNote(price),
    ]);
  }

  // For the chosen car: exactly its quote, or why the service is not for it.
  function quotedItem(price, item) {
    if (!item.applies) {
      return el("li", { class: "price not-applicable", "data-service": price.service.code }, [
        priceHead(price, t.notForCar, "na"),
        el("p", { class: "muted small", text: item.message || "" }),
      ]);
    }
    return el("li", { class: "price quoted", "data-service": price.service.code }, [
      priceHead(price, C.money(item.quote.total)),
      quoteTable(item.quote),
      quoteNotes(item.quote),
      minutesNote(price),
    ]);
  }

  function renderPrices() {
    askCar.hidden = !!me;
    priceList.replaceChildren();
    if (!prices.length) priceList.append(el("li", { class: "muted", text: t.noPrices }));
    for (const price of prices) {
      const item = quotes && quotes.byService[price.service.code];
      priceList.append(item ? quotedItem(price, item) : listedItem(price));
    }
    if (quotes) {
      C.say(priceBasis, C.fmt(t.pricesFor, { car: quotes.car }));
    } else {
      C.say(priceBasis, me ? t.noVehicles : t.chooseCar);
    }
    renderServiceOptions();
    renderBookingQuote();
  }

  // The service <select>: with a car, each service at its quote (those not for the car disabled); without, the list.
  function renderServiceOptions() {
    const wanted = serviceSelect.value || new URLSearchParams(location.search).get("service");
    serviceSelect.replaceChildren();
    for (const price of prices) {
      const item = quotes && quotes.byService[price.service.code];
      let text = price.service.name + " · " + fromText(price);
      if (item) text = price.service.name + " · " + (item.applies ? C.money(item.quote.total) : t.notForCar);
      // With a car, only what is quoted for it can be booked (a retired service has no quote).
      const bookable = !quotes || (!!item && item.applies);
      serviceSelect.append(el("option", { value: price.service.code, text: text, disabled: !bookable }));
    }
    const usable = Array.from(serviceSelect.options).filter((o) => !o.disabled);
    const keep = usable.find((o) => o.value === wanted) || usable[0];
    if (keep) serviceSelect.value = keep.value;
    if (serviceSelect.value !== slotsFor) loadSlots();
  }

  // Above 预约: the exact price of the chosen service for the chosen car, or what it costs from and a request for the car.
  function renderBookingQuote() {
    const price = prices.find((p) => p.service.code === serviceSelect.value);
    if (!price) {
      bookingQuote.replaceChildren();
      return;
    }
    const item = quotes && quotes.byService[price.service.code];
    bookingCar.hidden = !quotes;
    bookingCar.querySelector(".booking-car-name").textContent = quotes ? C.fmt(t.carIs, { car: quotes.car }) : "";
    if (item && item.applies) {
      const notes = quoteNotes(item.quote);
      bookingQuote.replaceChildren(
        el("p", { class: "quote-for", text: C.fmt(t.yourPrice, { car: quotes.car }) }),
        quoteTable(item.quote),
        ...(notes ? [notes] : []),
        ...(price.reference ? [referenceNote(price)] : [])
      );
    } else if (item) {
      bookingQuote.replaceChildren(el("p", { class: "error", text: item.message || t.notForCar }));
    } else {
      bookingQuote.replaceChildren(
        el("p", { class: "quote-from" }, [
          el("strong", { text: fromText(price) }),
          price.varies_by_vehicle ? " · " + t.chooseCar : "",
        ])
      );
    }
    refreshButton();
  }

  async function loadPrices() {
    try {
      prices = await C.api("GET", "/stores/" + storeId + "/prices");
    } catch (error) {
      priceList.replaceChildren(el("li", { class: "error", text: C.explain(error) }));
      return;
    }
    renderPrices(); // and the slots of the service it selects
  }

  // The quotes of every service for the car chosen in #vehicle (the owner's default car unless another is chosen).
  async function loadQuotes() {
    const mine = ++quotesRequest;
    const option = vehicleSelect.selectedOptions[0];
    if (!me || !option) {
      quotes = null;
      renderPrices();
      return;
    }
    C.say(priceBasis, t.loading);
    let answer;
    try {
      answer = await C.api("GET", "/stores/" + storeId + "/quotes?" + new URLSearchParams({ vehicle_id: option.value }));
    } catch (error) {
      if (mine === quotesRequest) C.say(priceBasis, C.explain(error), "error");
      return;
    }
    if (mine !== quotesRequest) return; // another car was chosen meanwhile
    const byService = {};
    for (const item of answer.items) byService[item.service.code] = item;
    quotes = { vehicleId: String(answer.vehicle_id), car: option.textContent, byService: byService };
    renderPrices();
  }

  // --- the owner's cars ----------------------------------------------------------------------------------

  async function loadVehicles(select) {
    vehicleSelect.replaceChildren();
    try {
      const page = await C.api("GET", "/me/vehicles?limit=100");
      for (const v of page.items) {
        vehicleSelect.append(el("option", { value: String(v.id), text: carName(v) }));
      }
      // The car asked for (just added, or ?vehicle= when it is one of the owner's), else their first.
      const wanted = String(select || new URLSearchParams(location.search).get("vehicle") || "");
      if (page.items.some((v) => String(v.id) === wanted)) vehicleSelect.value = wanted;
      remember("vehicle", vehicleSelect.value);
      addVehicle.open = page.items.length === 0;
      C.say(vehicleMessage, page.items.length ? "" : t.noVehicles);
    } catch (error) {
      C.say(vehicleMessage, C.explain(error), "error");
    }
    await loadQuotes();
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
    const quote = chosenQuote();
    if (!quote) return;
    // The total shown above the button: if the store's price changed since, nothing is booked (409 quote_changed).
    const body = {
      store_id: Number(storeId),
      service_code: serviceSelect.value,
      vehicle_id: Number(vehicleSelect.value),
      start: start,
      expected_total: quote.total,
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
      } else if (error.code === "quote_changed") {
        await loadQuotes();
        C.say(message, C.fmt(t.priceChanged, { amount: C.money(error.details.total) }), "error");
      } else {
        C.say(message, error.status === 401 ? t.signInFirst : C.explain(error), "error");
      }
    }
    refreshButton();
  });

  serviceSelect.addEventListener("change", function () {
    remember("service", serviceSelect.value);
    renderBookingQuote();
    loadSlots();
  });
  dateSelect.addEventListener("change", loadSlots);
  vehicleSelect.addEventListener("change", function () {
    remember("vehicle", vehicleSelect.value);
    refreshButton();
    loadQuotes();
  });

  // The bar leads to the panel: once the panel is on screen it is not needed.
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      bookBar.classList.toggle("away", entries[0].isIntersecting);
    }).observe(panel);
  }

  C.dateOptions(dateSelect, tz, 15);
  loadPrices();
  C.mountAuth(document.getElementById("auth"), function (user) {
    me = user;
    vehicleBox.hidden = !user;
    if (user) {
      loadVehicles();
    } else {
      vehicleSelect.replaceChildren();
      loadQuotes();
    }
    refreshButton();
  });
})();
