// Shop search on the home page: geocode the address (or take coordinates), then list nearby shops.
(function () {
  "use strict";
  // The page's texts (data-* of #nearby-texts in cms/templates/cms/home_page.html).
  const t = document.getElementById("nearby-texts").dataset;
  const form = document.getElementById("nearby-form");
  const statusEl = document.getElementById("status");
  const results = document.getElementById("results");
  const serviceSelect = document.getElementById("service");
  const carChoice = document.getElementById("car-choice");
  const carSelect = document.getElementById("car");

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) {
      throw new Error(body.error ? body.error.message : response.statusText);
    }
    return body;
  }

  function money(amount) {
    return "¥" + amount;
  }

  // The price of the chosen service at a store: exactly the car's when a car is chosen (what booking charges),
  // else what it costs at least ("from") when the price depends on the car.
  function priceText(s) {
    const p = s.car_price;
    if (!p) return s.price ? money(s.price.total) : "";
    if (p.vehicle_id !== null) return p.applies ? money(p.total) : t.notForCar;
    return p.varies_by_vehicle ? t.priceFrom.replace("%(amount)s", money(p.price_from)) : money(p.price_from);
  }

  // The store page opened for the same service and car, so it shows the same price.
  function storeLink(s) {
    const params = new URLSearchParams();
    if (serviceSelect.value) params.set("service", serviceSelect.value);
    if (serviceSelect.value && carSelect.value) params.set("vehicle", carSelect.value);
    const query = params.toString();
    return "/stores/" + s.id + "/" + (query ? "?" + query : "");
  }

  // The services to choose from (the catalogue's), and the signed-in owner's cars (none for a visitor).
  async function loadChoices() {
    try {
      for (const service of await getJSON("/api/v1/catalog/services")) {
        const option = document.createElement("option");
        option.value = service.code;
        option.textContent = service.name;
        serviceSelect.append(option);
      }
    } catch (error) {
      // the search still works without choosing a service
    }
    // A visitor has no cars: asking would only log a 401 in the console.
    if (document.body.dataset.signedIn !== "true") {
      carChoice.hidden = true;
      return;
    }
    try {
      const page = await getJSON("/api/v1/me/vehicles?limit=100");
      for (const v of page.items) {
        const option = document.createElement("option");
        option.value = String(v.id);
        option.textContent = v.plate + " · " + v.make + " " + v.model;
        carSelect.append(option);
      }
      carChoice.hidden = page.items.length === 0;
    } catch (error) {
      carChoice.hidden = true; // a visitor: prices say "from"
    }
  }

  function distance(m) {
    return m < 1000 ? m + " m" : (m / 1000).toFixed(1) + " km";
  }

  function render(stores) {
    results.replaceChildren();
    for (const s of stores) {
      const li = document.createElement("li");
      li.className = "store";
      const name = document.createElement("strong");
      const link = document.createElement("a");
      link.href = storeLink(s);
      link.textContent = s.name;
      name.append(link);
      const meta = document.createElement("span");
      meta.className = "meta";
      const rating = s.rating === null ? t.noRating : t.rating + " " + s.rating.toFixed(1);
      meta.textContent = distance(s.distance_m) + " · " + rating;
      const address = document.createElement("div");
      address.className = "address";
      address.textContent = s.address;
      li.append(name, meta);
      if (s.price) {
        const price = document.createElement("span");
        price.className = "price-total" + (s.car_price && s.car_price.applies === false ? " na" : "");
        price.textContent = priceText(s);
        li.append(" ", price);
      }
      li.append(address);
      li.dataset.storeId = s.id;
      results.append(li);
    }
  }

  loadChoices();

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    statusEl.textContent = t.searching;
    results.replaceChildren();
    try {
      let lat = form.lat.value.trim();
      let lng = form.lng.value.trim();
      const q = form.q.value.trim();
      if (!(lat && lng)) {
        if (!q) {
          statusEl.textContent = t.needPlace;
          return;
        }
        const place = await getJSON("/api/v1/geo/geocode?" + new URLSearchParams({ q: q }));
        lat = place.lat;
        lng = place.lng;
      }
      const params = new URLSearchParams({ lat: lat, lng: lng, radius_km: form.radius_km.value, limit: 50 });
      if (form.category.value) params.set("category", form.category.value);
      if (form.open_now.checked) params.set("open_now", "true");
      if (serviceSelect.value) params.set("service", serviceSelect.value);
      const car = !carChoice.hidden && carSelect.value ? carSelect.selectedOptions[0] : null;
      if (serviceSelect.value && car) params.set("vehicle_id", car.value);
      const page = await getJSON("/api/v1/stores/nearby?" + params);
      render(page.items);
      let said = page.count ? t.found.replace("%(count)s", page.count) : t.none;
      if (page.count && serviceSelect.value) {
        said += " · " + (car ? t.yourPrice.replace("%(car)s", car.textContent) : t.chooseCar);
      }
      statusEl.textContent = said;
    } catch (error) {
      statusEl.textContent = t.failed + error.message;
    }
  });
})();
