// The accounts pages (cms/account_pages.py): sign in (the shared sign-in box, code first, then on to ?next=), sign
// up (the code button beside the form the page posts), and my cars (the list and the make → model → year picker fed
// by GET /catalog/vehicle-makes, adding through POST /me/vehicles). Uses chefu.js (window.Chefu).
(function () {
  "use strict";

  const C = window.Chefu;
  const t = JSON.parse(document.getElementById("accounts-i18n").textContent);
  // The server's rules, as it keeps them (accounts.validators): the plate's pattern and the model years it takes.
  const config = JSON.parse(document.getElementById("accounts-config").textContent) || {};
  const root = document.getElementById("account-page");
  const OTHER = "__other__";

  // Disable `button` and count down on it until it may be pressed again.
  function waitOn(button, seconds) {
    const label = button.dataset.label || (button.dataset.label = button.textContent);
    let left = seconds;
    button.disabled = true;
    const tick = function () {
      if (left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        button.textContent = label;
        return;
      }
      button.textContent = C.fmt(t.resendIn, { seconds: left });
      left -= 1;
    };
    const timer = setInterval(tick, 1000);
    tick();
  }

  // --- sign in ---------------------------------------------------------------------------------------------

  function signinPage() {
    const auth = document.getElementById("auth");
    const next = root.dataset.next || "/";
    C.mountAuth(auth, function (me) {
      if (me) location.assign(next);
    });
    // The code first: what most owners sign in with on a phone. The box's own button switches back.
    auth.querySelector(".signin-mode").click();
  }

  // --- sign up ---------------------------------------------------------------------------------------------

  function signupPage() {
    const form = document.getElementById("signup-form");
    const button = form.querySelector(".send-code");
    const message = form.querySelector(".code-message");

    button.addEventListener("click", async function () {
      const phone = form.phone.value.trim();
      if (!phone) {
        form.phone.focus();
        return;
      }
      button.disabled = true;
      try {
        const sent = await C.api("POST", "/auth/sms-code", { body: { phone: phone, purpose: "register" } });
        C.say(message, C.fmt(t.codeSent, { minutes: Math.round(sent.expires_in / 60) }), "ok");
        waitOn(button, 60);
        form.code.focus();
      } catch (error) {
        C.say(message, C.explain(error), "error");
        // A 429 says how long to wait (details.retry_after_s); the button counts it down when it is short.
        const seconds = (error.details || {}).retry_after_s;
        if (seconds && seconds <= 600) waitOn(button, seconds);
        else button.disabled = false;
        if (error.code === "phone_taken") {
          const link = document.querySelector(".account-switch a");
          if (link) message.append(" ", C.el("a", { href: link.href, text: link.textContent }));
        }
      }
    });
  }

  // --- my cars ---------------------------------------------------------------------------------------------

  function vehiclesPage() {
    const list = document.getElementById("vehicles");
    const listMessage = document.getElementById("vehicles-message");
    const form = document.getElementById("vehicle-form");
    const formMessage = document.getElementById("vehicle-form-message");
    const make = document.getElementById("vehicle-make");
    const makeOther = document.getElementById("vehicle-make-other");
    const model = document.getElementById("vehicle-model");
    const modelOther = document.getElementById("vehicle-model-other");
    const year = document.getElementById("vehicle-year");
    const plate = document.getElementById("vehicle-plate");
    const plateHint = document.getElementById("plate-hint");
    const plateRe = new RegExp(config.plateRe, "u");
    const title = document.getElementById("vehicle-form-title");
    const submit = form.querySelector("button[type=submit]");
    const cancelEdit = form.querySelector(".cancel-edit");
    let makes = [];
    // The vehicle the form changes (PUT /me/vehicles/{id}), or null: the form adds one.
    let editing = null;

    function options(select, placeholder, values, other) {
      select.replaceChildren(C.el("option", { value: "", text: placeholder }));
      for (const value of values) select.append(C.el("option", { value: value, text: value }));
      if (other) select.append(C.el("option", { value: OTHER, text: other }));
    }

    // Model years, newest first: the server's limits, narrowed to what the catalogue has for the model.
    function years(range) {
      const first = Math.max(config.years.min, range ? range.year_from : config.years.min);
      const last = Math.min(config.years.max, range ? range.year_to : config.years.max);
      const chosen = year.value;
      const values = [];
      for (let y = last; y >= first; y--) values.push(String(y));
      options(year, t.chooseYear, values);
      if (values.includes(chosen)) year.value = chosen;
    }

    function chosenMake() {
      return makes.find(function (m) {
        return m.name === make.value;
      });
    }

    function chosenModel() {
      const m = chosenMake();
      return m && m.models.find(function (x) {
        return x.name === model.value;
      });
    }

    make.addEventListener("change", function () {
      makeOther.hidden = make.value !== OTHER;
      makeOther.required = !makeOther.hidden;
      const m = chosenMake();
      if (make.value === OTHER) {
        // A make the catalogue does not know: its model is typed too.
        options(model, t.otherModel, []);
        model.value = "";
        model.disabled = true;
        modelOther.hidden = false;
        makeOther.focus();
      } else {
        options(model, t.chooseModel, m ? m.models.map((x) => x.name) : [], m ? t.otherModel : null);
        model.disabled = !m;
        modelOther.hidden = true;
      }
      modelOther.required = !modelOther.hidden;
      years(null);
    });

    model.addEventListener("change", function () {
      modelOther.hidden = model.value !== OTHER;
      modelOther.required = !modelOther.hidden;
      if (!modelOther.hidden) modelOther.focus();
      years(chosenModel() || null);
    });

    // The same rule as the server (accounts.validators.normalize_plate), as a hint while typing: the server decides.
    function plateNormalized() {
      return plate.value.replace(/[\s·•.\-]/g, "").toUpperCase();
    }

    plate.addEventListener("input", function () {
      const value = plateNormalized();
      plateHint.hidden = !value || value.length < 7 || plateRe.test(value);
      plateHint.textContent = t.plateHint;
    });
    plate.addEventListener("blur", function () {
      const value = plateNormalized();
      plateHint.hidden = !value || plateRe.test(value);
      plateHint.textContent = t.plateHint;
    });

    function fieldErrors(fields) {
      for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
      for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
      let first = null;
      for (const [name, messages] of Object.entries(fields || {})) {
        const node = form.querySelector('.field-error[data-for="' + name + '"]') || form.querySelector('.field-error[data-for="__all__"]');
        node.textContent = [].concat(messages).join(" ");
        const input = form.querySelector('[name="' + name + '"]:not([hidden])') || form.querySelector('[name="' + name + '_choice"]');
        if (input) {
          input.setAttribute("aria-invalid", "true");
          first = first || input;
        }
      }
      if (first) first.focus();
    }

    function card(vehicle) {
      const actions = C.el("div", { class: "actions" });
      const note = C.el("p", { class: "card-message small", role: "status" });
      function showActions() {
        const buttons = [
          C.el("button", { type: "button", class: "secondary edit", text: t.edit, onclick: () => edit(vehicle) }),
        ];
        if (!vehicle.is_default) {
          buttons.push(
            C.el("button", { type: "button", class: "secondary make-default", text: t.makeDefault, onclick: makeDefault })
          );
        }
        buttons.push(C.el("button", { type: "button", class: "link remove", text: t.remove, onclick: askRemove }));
        actions.replaceChildren(...buttons);
      }
      async function makeDefault() {
        try {
          await C.api("POST", "/me/vehicles/" + vehicle.id + "/default");
        } catch (error) {
          C.say(note, error.status === 401 ? t.signInAgain : C.explain(error), "error");
          return;
        }
        await loadList();
        C.say(listMessage, C.fmt(t.defaultSet, { plate: vehicle.plate }), "ok");
      }
      function askRemove() {
        actions.replaceChildren(
          C.el("span", { class: "confirm-text", text: t.removeConfirm }),
          C.el("button", { type: "button", class: "danger remove-yes", text: t.removeYes, onclick: remove }),
          C.el("button", { type: "button", class: "secondary", text: t.cancel, onclick: showActions })
        );
        actions.querySelector(".remove-yes").focus();
      }
      async function remove() {
        try {
          await C.api("DELETE", "/me/vehicles/" + vehicle.id);
        } catch (error) {
          C.say(note, error.status === 401 ? t.signInAgain : C.explain(error), "error");
          showActions();
          return;
        }
        if (editing && editing.id === vehicle.id) resetForm();
        C.say(formMessage, t.removed, "ok");
        await loadList();
      }
      showActions();
      return C.el("li", { class: "card vehicle", "data-plate": vehicle.plate, "data-id": String(vehicle.id) }, [
        C.el("p", { class: "card-head" }, [
          C.el("strong", { class: "plate", text: vehicle.plate }),
          vehicle.is_new_energy ? C.el("span", { class: "badge new-energy", text: t.newEnergy }) : null,
          vehicle.is_default ? C.el("span", { class: "badge default-car", text: t.isDefault }) : null,
        ]),
        C.el("p", { text: vehicle.make + " " + vehicle.model + " · " + vehicle.year }),
        C.el("p", { class: "muted small", text: C.fmt(t.mileage, { km: vehicle.mileage_km.toLocaleString() }) }),
        actions,
        note,
      ]);
    }

    // Back to adding a car: an empty form.
    function resetForm() {
      editing = null;
      form.reset();
      makeOther.value = "";
      modelOther.value = "";
      make.dispatchEvent(new Event("change"));
      plateHint.hidden = true;
      fieldErrors({});
      title.textContent = title.dataset.add;
      submit.textContent = submit.dataset.add;
      cancelEdit.hidden = true;
    }

    // The form filled with `vehicle`, to change it: a make or model the catalogue does not know goes in as typed.
    function edit(vehicle) {
      resetForm();
      editing = vehicle;
      const known = makes.find((m) => m.name === vehicle.make);
      make.value = known ? vehicle.make : OTHER;
      make.dispatchEvent(new Event("change"));
      if (!known) {
        makeOther.value = vehicle.make;
        modelOther.value = vehicle.model;
      } else if (known.models.some((m) => m.name === vehicle.model)) {
        model.value = vehicle.model;
        model.dispatchEvent(new Event("change"));
      } else {
        model.value = OTHER;
        model.dispatchEvent(new Event("change"));
        modelOther.value = vehicle.model;
      }
      if (![...year.options].some((o) => o.value === String(vehicle.year))) years(null);
      year.value = String(vehicle.year);
      plate.value = vehicle.plate;
      form.mileage_km.value = String(vehicle.mileage_km);
      title.textContent = C.fmt(t.changeCar, { plate: vehicle.plate });
      submit.textContent = t.saveChanges;
      cancelEdit.hidden = false;
      C.say(formMessage, "");
      title.scrollIntoView({ block: "start" });
      make.focus();
    }

    cancelEdit.addEventListener("click", function () {
      resetForm();
      C.say(formMessage, "");
    });

    async function loadList() {
      let answer;
      try {
        answer = await C.api("GET", "/me/vehicles?limit=100");
      } catch (error) {
        C.say(listMessage, error.status === 401 ? t.signInAgain : C.explain(error), "error");
        return;
      }
      list.replaceChildren.apply(list, answer.items.map(card));
      C.say(listMessage, answer.items.length ? "" : t.noVehicles);
    }

    async function loadMakes() {
      try {
        makes = await C.api("GET", "/catalog/vehicle-makes");
      } catch (error) {
        makes = [];
      }
      options(
        make,
        t.chooseMake,
        makes.map((m) => m.name),
        t.otherMake
      );
      options(model, t.chooseModel, []);
      years(null);
    }

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const body = {
        make: make.value === OTHER ? makeOther.value.trim() : make.value,
        model: make.value === OTHER || model.value === OTHER ? modelOther.value.trim() : model.value,
        year: Number(year.value) || 0,
        plate: plate.value.trim(),
        mileage_km: Number(form.mileage_km.value) || 0,
      };
      // Edits keep what the API stores but the form does not show.
      if (editing) Object.assign(body, { vin: editing.vin, tyre_size: editing.tyre_size });
      const button = submit;
      button.disabled = true;
      C.say(formMessage, t.saving);
      try {
        if (editing) await C.api("PUT", "/me/vehicles/" + editing.id, { body: body });
        else await C.api("POST", "/me/vehicles", { body: body });
        const done = editing ? t.changesSaved : t.vehicleAdded;
        resetForm();
        C.say(formMessage, done, "ok");
        await loadList();
      } catch (error) {
        const fields = error.code === "plate_taken" ? { plate: [error.message] } : (error.details || {}).fields;
        fieldErrors(fields);
        if (fields && fields.plate) plateHint.hidden = true; // the server's word replaces the hint
        // Each field says its own error; the message under the button only sums up.
        let summary = C.explain(error);
        if (error.status === 401) summary = t.signInAgain;
        else if (error.code === "plate_taken") summary = "";
        else if (fields) summary = error.message;
        C.say(formMessage, summary, "error");
      } finally {
        button.disabled = false;
      }
    });

    loadMakes();
    loadList();
  }

  const pages = { signin: signinPage, signup: signupPage, vehicles: vehiclesPage };
  if (root && pages[root.dataset.page]) pages[root.dataset.page]();
})();
