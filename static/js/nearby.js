// Shop search on the home page: geocode the address (or take coordinates, or the browser's location), then list
// the nearby shops beside their pins on the map (static/js/map.js). The search lives in the page's URL, so Back and
// a shared link bring it back: a search pushes a history entry, the popstate of Back runs the URL's search again.
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
  const sortSelect = document.getElementById("sort");
  const mapEl = document.getElementById("map");
  const mapToggle = document.getElementById("map-toggle");
  let map = null;
  try {
    map = window.ChefuMap.create(mapEl, (id, from) => select(id, from));
  } catch (error) {
    mapEl.hidden = true; // the list works without the map
  }

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
    if (!t.signedIn) {
      carChoice.hidden = true; // a visitor: prices say "from" (and no 401 to ask for)
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

  // The store's wall-clock time of its next slot ("2026-12-06T09:00:00+08:00"), said as today / tomorrow / 12-06.
  function slotText(iso) {
    const day = iso.slice(0, 10);
    const time = iso.slice(11, 16);
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    const ymd = (d) => d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
    const tomorrow = new Date(now.getTime() + 86400000);
    if (day === ymd(now)) return t.today + " " + time;
    if (day === ymd(tomorrow)) return t.tomorrow + " " + time;
    return day.slice(5) + " " + time;
  }

  function tag(className, text) {
    const span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    return span;
  }

  function select(id, from) {
    for (const li of results.querySelectorAll("li.store.selected")) li.classList.remove("selected");
    const li = results.querySelector('li.store[data-store-id="' + id + '"]');
    if (li) {
      li.classList.add("selected");
      if (from === "map") li.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
    if (map) map.highlight(id);
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
      const facts = document.createElement("div");
      facts.className = "facts";
      facts.append(s.open_now ? tag("open-now", t.open) : tag("closed-now", t.closed));
      if (s.badge === "probation") facts.append(tag("badge probation", t.probation));
      if (s.price) {
        facts.append(
          s.next_slot ? tag("next-slot", t.nextSlot.replace("%(when)s", slotText(s.next_slot))) : tag("next-slot none", t.noSlot),
        );
      }
      li.append(facts, address);
      li.dataset.storeId = s.id;
      li.addEventListener("click", (event) => {
        if (!event.target.closest("a")) select(s.id, "list");
      });
      results.append(li);
    }
  }

  // --- the search in the URL ---------------------------------------------------------------------------------
  const FIELDS = ["q", "lat", "lng", "radius_km", "category", "service", "vehicle", "min_rating", "sort"];

  function formState() {
    const params = new URLSearchParams();
    for (const field of FIELDS) {
      const value = (form.elements[field].value || "").trim();
      if (field === "vehicle" && (carChoice.hidden || !serviceSelect.value)) continue;
      if (field === "sort" && value === "distance") continue;
      if (field === "radius_km" && value === "5") continue;
      if (value) params.set(field, value);
    }
    if (form.open_now.checked) params.set("open_now", "1");
    return params;
  }

  function setSelect(select, value, fallback) {
    select.value = value;
    if (select.value !== value) select.value = fallback;
  }

  function fillForm(params) {
    form.q.value = params.get("q") || "";
    form.lat.value = params.get("lat") || "";
    form.lng.value = params.get("lng") || "";
    setSelect(form.radius_km, params.get("radius_km") || "5", "5");
    setSelect(form.category, params.get("category") || "", "");
    setSelect(serviceSelect, params.get("service") || "", "");
    setSelect(carSelect, params.get("vehicle") || "", carSelect.options.length ? carSelect.options[0].value : "");
    setSelect(form.min_rating, params.get("min_rating") || "", "");
    setSelect(sortSelect, params.get("sort") || "distance", "distance");
    form.open_now.checked = params.get("open_now") === "1";
    syncSort();
  }

  // Price and soonest-slot sorts need a service item: offered only with one.
  function syncSort() {
    for (const option of sortSelect.querySelectorAll("option[data-needs-service]")) {
      option.disabled = !serviceSelect.value;
      option.title = option.disabled ? t.needsService : "";
    }
    if (sortSelect.selectedOptions[0].disabled) sortSelect.value = "distance";
  }

  // Run the search the form says; push it as a history entry unless it is the URL's already (Back, a shared link).
  // Searches overlap (a filter changed, then the form sent): only the latest one's answer is shown, whichever
  // answer arrives last.
  let latest = 0;
  async function search(push) {
    const mine = ++latest;
    const state = formState();
    if (push && state.toString() !== location.search.replace(/^\?/, "")) {
      history.pushState(null, "", "?" + state.toString());
    }
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
        lat = String(place.lat);
        lng = String(place.lng);
        form.lat.value = lat;
        form.lng.value = lng;
        // the place found goes into the URL, so Back and a shared link need no geocoding again
        history.replaceState(null, "", "?" + formState().toString());
      }
      const params = new URLSearchParams({ lat: lat, lng: lng, radius_km: form.radius_km.value, limit: 50 });
      if (form.category.value) params.set("category", form.category.value);
      if (form.open_now.checked) params.set("open_now", "true");
      if (serviceSelect.value) params.set("service", serviceSelect.value);
      if (form.min_rating.value) params.set("min_rating", form.min_rating.value);
      if (sortSelect.value !== "distance") params.set("sort", sortSelect.value);
      const car = !carChoice.hidden && carSelect.value ? carSelect.selectedOptions[0] : null;
      if (serviceSelect.value && car) params.set("vehicle_id", car.value);
      const page = await getJSON("/api/v1/stores/nearby?" + params);
      if (mine !== latest) return;
      render(page.items);
      if (map) map.show(page.items, { lat: Number(lat), lng: Number(lng) }, Number(form.radius_km.value) * 1000);
      let said = page.count ? t.found.replace("%(count)s", page.count) : t.none;
      if (page.count && serviceSelect.value) {
        said += " · " + (car ? t.yourPrice.replace("%(car)s", car.textContent) : t.chooseCar);
      }
      statusEl.textContent = said;
    } catch (error) {
      if (mine === latest) statusEl.textContent = t.failed + error.message;
    }
  }

  const hasPlace = () => (form.lat.value.trim() && form.lng.value.trim()) || form.q.value.trim();

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    search(true);
  });

  // A new address is a new place: the coordinates of the last one no longer apply.
  form.q.addEventListener("input", function () {
    form.lat.value = "";
    form.lng.value = "";
  });

  // Filters and sort search again at once (when there is a place), each change a history entry.
  for (const control of [form.radius_km, form.category, serviceSelect, carSelect, form.min_rating, sortSelect, form.open_now]) {
    control.addEventListener("change", function () {
      if (control === serviceSelect) syncSort();
      if (hasPlace()) search(true);
    });
  }

  window.addEventListener("popstate", function () {
    fillForm(new URLSearchParams(location.search));
    if (hasPlace()) {
      search(false);
    } else {
      results.replaceChildren();
      statusEl.textContent = "";
    }
  });

  // "Use my location": the browser's position (WGS-84, as the API takes it) becomes the searched point.
  document.getElementById("locate").addEventListener("click", function () {
    if (!navigator.geolocation) {
      statusEl.textContent = t.locateUnsupported;
      return;
    }
    statusEl.textContent = t.locating;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.q.value = "";
        form.q.placeholder = t.myLocation;
        form.lat.value = position.coords.latitude.toFixed(6);
        form.lng.value = position.coords.longitude.toFixed(6);
        search(true);
      },
      function (error) {
        statusEl.textContent = error.code === error.PERMISSION_DENIED ? t.locateDenied : t.locateFailed;
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 },
    );
  });

  // The map above the list on phones can be folded away.
  mapToggle.addEventListener("click", function () {
    const open = mapToggle.getAttribute("aria-expanded") !== "true";
    mapToggle.setAttribute("aria-expanded", String(open));
    mapToggle.textContent = open ? mapToggle.dataset.hide : mapToggle.dataset.show;
    mapEl.hidden = !open;
    if (open && map) map.resize();
  });

  // The URL's search (a shared link, a reload, Back into the page), once the choices it may name are loaded.
  // A bare address names no search: what the visitor typed while the choices loaded stays as it is.
  loadChoices().then(function () {
    if (!location.search) return;
    fillForm(new URLSearchParams(location.search));
    if (hasPlace()) search(false);
  });
})();
