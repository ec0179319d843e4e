// Shared by the store, my-bookings and shop-floor pages: the API client (signed in by Django's session cookie,
// which this script never sees, and sending the CSRF token on unsafe requests), the sign-in box, the slot picker,
// the pay button with its coupon choice, and times (in the store's zone) and money as people read them. Reviews
// have their own shared part (reviews.js).
(function () {
  "use strict";

  const t = JSON.parse(document.getElementById("chefu-i18n").textContent);
  // What the server decides for the page (cms.views._page): payProvider, the provider payments are opened with.
  const config = JSON.parse(document.getElementById("chefu-config").textContent);
  const lang = document.documentElement.lang || "zh-Hans";
  const SAFE = ["GET", "HEAD", "OPTIONS"];
  // The CSRF token the page was rendered with; signing in rotates it (accounts.api_session answers the new one).
  let csrfToken = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  // Whether the session is signed in, as far as this page knows: a 401 then means it has ended.
  let signedIn = false;

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, name) {
      return name in values ? String(values[name]) : whole;
    });
  }

  // --- the API ---------------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details || {};
    }

    // Worth sending again as it was (same Idempotency-Key): no answer came, the server failed, or the first send
    // is still being processed (its answer is replayed once it is done).
    get retryable() {
      return this.status === 0 || this.status >= 500 || this.code === "idempotency_in_progress";
    }
  }

  // Django's csrftoken cookie when the script may read it (it follows a sign-in in another tab), else the page's.
  function csrf() {
    const cookie = document.cookie.split("; ").find(function (part) {
      return part.startsWith("csrftoken=");
    });
    return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : csrfToken;
  }

  // options: body (sent as JSON), or form (a FormData, sent as multipart: photos); key (Idempotency-Key).
  async function api(method, path, options) {
    const opts = options || {};
    const headers = { Accept: "application/json" };
    if (!SAFE.includes(method)) headers["X-CSRFToken"] = csrf();
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    if (opts.key) headers["Idempotency-Key"] = opts.key;
    let response;
    try {
      response = await fetch("/api/v1" + path, {
        method: method,
        headers: headers,
        credentials: "same-origin",
        body: opts.form !== undefined ? opts.form : opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch (error) {
      throw new ApiError(0, "network_error", t.network);
    }
    let data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch (error) {
        data = null;
      }
    }
    if (!response.ok) {
      const envelope = data && data.error ? data.error : { code: "http_" + response.status, message: t.network };
      if (response.status === 401 && signedIn) {
        signedIn = false;
        document.dispatchEvent(new CustomEvent("chefu:signed-out", { detail: { expired: true } }));
      }
      throw new ApiError(response.status, envelope.code, envelope.message, envelope.details);
    }
    return data;
  }

  // The envelope's message; a validation error adds what it says about each field.
  function explain(error) {
    if (!(error instanceof ApiError)) return String(error.message || error);
    const fields = error.details && error.details.fields;
    if (error.code === "validation_error" && fields) {
      const messages = [].concat.apply([], Object.values(fields));
      if (messages.length) return error.message + " " + messages.join("；");
    }
    return error.message;
  }

  // A fresh Idempotency-Key (works outside secure contexts too, unlike crypto.randomUUID).
  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  // --- times and money -------------------------------------------------------------------------------------

  const clocks = {};

  function clock(tz) {
    if (!clocks[tz]) {
      clocks[tz] = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    }
    return clocks[tz];
  }

  // "09:30" on the store's clock.
  function time(iso, tz) {
    return clock(tz).format(new Date(iso));
  }

  // "11月24日周二" / "Tue, Nov 24" for an instant, on the store's calendar.
  function day(iso, tz) {
    return new Intl.DateTimeFormat(lang, { timeZone: tz, month: "short", day: "numeric", weekday: "short" }).format(
      new Date(iso)
    );
  }

  // The calendar date (YYYY-MM-DD) of an instant on the store's calendar.
  function isoDate(instant, tz) {
    const parts = {};
    new Intl.DateTimeFormat("en-US", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(instant)
      .forEach(function (p) {
        parts[p.type] = p.value;
      });
    return parts.year + "-" + parts.month + "-" + parts.day;
  }

  function span(booking, tz) {
    return day(booking.start, tz) + " " + time(booking.start, tz) + "–" + time(booking.end, tz);
  }

  function money(amount) {
    return "¥" + amount;
  }

  // Fill a <select> with today and the next `count - 1` days on the store's calendar.
  function dateOptions(select, tz, count) {
    const today = isoDate(new Date(), tz);
    const first = new Date(today + "T12:00:00Z");
    const label = new Intl.DateTimeFormat(lang, { timeZone: "UTC", month: "short", day: "numeric", weekday: "short" });
    select.replaceChildren();
    for (let n = 0; n < (count || 15); n++) {
      const date = new Date(first.getTime() + n * 86400000);
      const option = document.createElement("option");
      option.value = date.toISOString().slice(0, 10);
      const prefix = n === 0 ? t.today + " · " : n === 1 ? t.tomorrow + " · " : "";
      option.textContent = prefix + label.format(date);
      select.append(option);
    }
  }

  // --- small DOM helpers -----------------------------------------------------------------------------------

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      // Through the CSSOM: the CSP (style-src 'self') refuses style="" attributes, not element.style.
      else if (name === "style") node.style.cssText = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name in node && typeof value !== "string") node[name] = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of [].concat(children || [])) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  function badge(status) {
    return el("span", { class: "badge status-" + status, text: t.status[status] || status });
  }

  function say(node, text, kind) {
    node.textContent = text || "";
    node.classList.toggle("error", kind === "error");
    node.classList.toggle("ok", kind === "ok");
  }

  // --- the sign-in box -------------------------------------------------------------------------------------

  // Mounts the sign-in box in `root` and calls `onChange(me)` with GET /me (or null) whenever who is signed in
  // changes, starting with the page's load.
  function mountAuth(root, onChange) {
    const form = root.querySelector("form.signin");
    const who = root.querySelector(".who");
    const name = root.querySelector(".who-name");
    const message = root.querySelector(".auth-message");

    function show(me) {
      form.hidden = !!me;
      who.hidden = !me;
      if (me) {
        name.textContent = fmt(t.signedInAs, { name: me.name }) + " (" + me.phone.slice(0, 3) + "****" + me.phone.slice(-4) + ")";
        say(message, "");
      }
      onChange(me);
    }

    async function loadMe() {
      signedIn = true;
      try {
        show(await api("GET", "/me"));
      } catch (error) {
        if (error.status === 401) return; // chefu:signed-out has shown the form already
        say(message, explain(error), "error");
        show(null);
      }
    }

    // Two ways in: the password, or a code POST /auth/sms-code sends (its button counts down until it may ask again).
    const modeButton = form.querySelector(".signin-mode");
    const sendCode = form.querySelector(".send-code");
    const modeText = { password: modeButton.dataset.password, code: modeButton.textContent.trim() };
    const sendText = sendCode.textContent;
    let byCode = false;
    let countdown = null;

    modeButton.addEventListener("click", function () {
      byCode = !byCode;
      for (const node of form.querySelectorAll(".by-password")) node.hidden = byCode;
      for (const node of form.querySelectorAll(".by-code")) node.hidden = !byCode;
      form.password.required = !byCode;
      form.code.required = byCode;
      modeButton.textContent = byCode ? modeText.password : modeText.code;
      say(message, "");
    });

    function waitToResend(seconds) {
      clearInterval(countdown);
      let left = seconds;
      sendCode.disabled = true;
      const tick = function () {
        if (left <= 0) {
          clearInterval(countdown);
          sendCode.disabled = false;
          sendCode.textContent = sendText;
          return;
        }
        sendCode.textContent = fmt(sendCode.dataset.wait, { seconds: left });
        left -= 1;
      };
      tick();
      countdown = setInterval(tick, 1000);
    }

    sendCode.addEventListener("click", async function () {
      if (!form.phone.reportValidity()) return;
      sendCode.disabled = true;
      try {
        const sent = await api("POST", "/auth/sms-code", { body: { phone: form.phone.value.trim(), purpose: "login" } });
        say(message, fmt(sendCode.dataset.sent, { minutes: Math.round(sent.expires_in / 60) }), "ok");
        waitToResend(60);
        form.code.focus();
      } catch (error) {
        say(message, explain(error), "error");
        const wait = (error.details || {}).retry_after_s;
        if (wait && wait <= 60) waitToResend(wait);
        else sendCode.disabled = false;
      }
    });

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      say(message, t.signingIn);
      const phone = form.phone.value.trim();
      try {
        const session = await api("POST", "/auth/session", {
          body: byCode ? { phone: phone, code: form.code.value.trim() } : { phone: phone, password: form.password.value },
        });
        csrfToken = session.csrf_token;
        form.password.value = "";
        form.code.value = "";
        await loadMe();
      } catch (error) {
        say(message, explain(error), "error");
      }
    });

    root.querySelector(".signout").addEventListener("click", async function () {
      try {
        await api("DELETE", "/auth/session");
      } catch (error) {
        say(message, explain(error), "error");
        return;
      }
      signedIn = false;
      show(null);
    });

    document.addEventListener("chefu:signed-out", function () {
      say(message, t.sessionEnded, "error");
      show(null);
    });

    // The server rendered whether the session is signed in (cms/templates/cms/_signin.html).
    if (root.dataset.signedIn === "true") loadMe();
    else show(null);
  }

  // --- the slot picker -------------------------------------------------------------------------------------

  // Free start times of a service at a store on a day, as buttons; `onPick(start)` when one is chosen.
  function slotPicker(options) {
    const list = options.list;
    const status = options.status;
    let picked = null;
    let request = 0;

    async function load(service, date) {
      const mine = ++request;
      picked = null;
      options.onPick(null);
      list.replaceChildren();
      if (!service || !date) return;
      say(status, t.loading);
      let answer;
      try {
        answer = await api("GET", "/stores/" + options.storeId + "/availability?" + new URLSearchParams({ service: service, date: date }));
      } catch (error) {
        if (mine === request) say(status, explain(error), "error");
        return;
      }
      if (mine !== request) return; // a later choice is loading
      const tz = answer.timezone;
      for (const slot of answer.slots) {
        const button = el(
          "button",
          { type: "button", class: "slot", "data-start": slot.start, "data-free": String(slot.free_bays), "aria-pressed": "false" },
          [el("span", { class: "slot-time", text: time(slot.start, tz) }), el("span", { class: "slot-free", text: fmt(t.free, { count: slot.free_bays }) })]
        );
        button.addEventListener("click", function () {
          for (const other of list.querySelectorAll(".slot")) other.setAttribute("aria-pressed", "false");
          button.setAttribute("aria-pressed", "true");
          picked = slot.start;
          options.onPick(slot.start);
        });
        list.append(button);
      }
      say(status, answer.slots.length ? fmt(t.slotsShown, { count: answer.slots.length }) : t.noSlots);
    }

    return {
      load: load,
      picked: function () {
        return picked;
      },
    };
  }

  // --- paying -------------------------------------------------------------------------------------------------

  // amount_owed is 0.00 once the booking can no longer be paid (bookings.selectors.amount_owed).
  function owes(booking) {
    return Number(booking.amount_owed) > 0;
  }

  // The body of POST /bookings/{id}/pay; `choices` is what the payer picked on the page, if anything.
  function payBody(booking, choices) {
    return Object.assign({ provider: config.payProvider }, choices || {});
  }

  // "优惠券 XINKE30 −¥30.00": the coupon a booking holds (booking.coupon, reserved or used).
  function couponLine(coupon) {
    return el("span", {
      class: "coupon-held",
      "data-coupon-status": coupon.status,
      text: fmt(t.couponHeld, { code: coupon.code, amount: money(coupon.discount) }),
    });
  }

  // The coupon choice beside a booking's 去支付. A booking holding a coupon shows it, and choices() is {}: the
  // reservation applies by itself (payments.coupons.redemption_for_payment), and a used one allows no other.
  // Otherwise a <select> of the coupons GET /bookings/{id}/coupons lists (usable ones, best first; the others
  // disabled with why), or a code typed in; choices() is {coupon: CODE} or {}.
  function couponPicker(booking) {
    if (booking.coupon) {
      return {
        element: couponLine(booking.coupon),
        choices: function () {
          return {};
        },
      };
    }
    const typedOption = el("option", { value: "", text: t.enterCouponCode });
    const select = el("select", { class: "coupon-choice", name: "coupon", "aria-label": t.coupon }, [
      el("option", { value: "", text: t.noCoupon }),
      typedOption,
    ]);
    const typed = el("input", {
      class: "coupon-code",
      name: "coupon_code",
      maxlength: "32",
      autocomplete: "off",
      placeholder: t.couponCode,
      "aria-label": t.couponCode,
      hidden: true,
    });
    select.addEventListener("change", function () {
      typed.hidden = !typedOption.selected;
      if (!typed.hidden) typed.focus();
    });

    (async function () {
      let answer;
      try {
        answer = await api("GET", "/bookings/" + booking.id + "/coupons");
      } catch (error) {
        return; // a code can still be typed in
      }
      for (const coupon of answer.coupons) {
        const option = coupon.usable
          ? el("option", { value: coupon.code, text: fmt(t.couponOffer, { name: coupon.name, amount: money(coupon.discount) }) })
          : el("option", { value: coupon.code, disabled: true, text: fmt(t.couponUnusable, { name: coupon.name, reason: coupon.reason }) });
        select.insertBefore(option, typedOption);
      }
    })();

    return {
      element: el("span", { class: "coupon-picker" }, [select, typed]),
      choices: function () {
        const code = typedOption.selected ? typed.value.trim() : select.value;
        return code ? { coupon: code } : {};
      },
    };
  }

  // A 去支付 button for `booking`: opens a payment for what it still owes and goes to the provider's page.
  // options.message: where refusals are shown; options.refresh(): reloads the booking after a 409 (nothing left
  // to pay, or no longer payable, or the coupon chosen is gone); options.choices(): extra fields for payBody.
  function payButton(booking, options) {
    const button = el("button", { type: "button", class: "pay", text: t.pay });
    // The attempt last sent without an answer: the same body is sent again with its Idempotency-Key.
    let attempt = null;
    button.addEventListener("click", async function () {
      const body = payBody(booking, options.choices ? options.choices() : null);
      const signature = JSON.stringify(body);
      if (!attempt || attempt.signature !== signature) attempt = { signature: signature, key: newKey() };
      button.disabled = true;
      say(options.message, t.paying);
      try {
        const payment = await api("POST", "/bookings/" + booking.id + "/pay", { body: body, key: attempt.key });
        attempt = null;
        location.assign(payment.pay_url);
      } catch (error) {
        if (!error.retryable) attempt = null;
        say(options.message, error.status === 401 ? t.signInFirst : explain(error), "error");
        button.disabled = false;
        if (["nothing_due", "booking_not_payable", "coupon_unavailable"].includes(error.code)) await options.refresh();
      }
    });
    return button;
  }

  // Back from the provider's page (?payment=<id>, payments.providers.base.return_url_for): its notification
  // usually arrives a moment later, so follow the payment until it is settled, say so in `message`, drop ?payment
  // from the address and `refresh()` the page's data.
  let watching = false;

  async function watchPayment(paymentId, message, refresh) {
    if (watching) return;
    watching = true;
    say(message, t.checkingPayment);
    for (let tries = 0; tries < 40; tries++) {
      let payment;
      try {
        payment = await api("GET", "/payments/" + paymentId);
      } catch (error) {
        if (error.status === 401) break;
        if (!error.retryable) {
          say(message, explain(error), "error");
          break;
        }
      }
      if (payment && payment.status !== "pending") {
        say(message, payment.status === "succeeded" ? t.paid : t.notPaid, payment.status === "succeeded" ? "ok" : "error");
        history.replaceState(null, "", location.pathname);
        await refresh();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    if (message.textContent === t.checkingPayment) say(message, t.paymentLater);
    watching = false;
  }

  window.Chefu = {
    t: t,
    config: config,
    fmt: fmt,
    api: api,
    ApiError: ApiError,
    explain: explain,
    newKey: newKey,
    time: time,
    day: day,
    span: span,
    isoDate: isoDate,
    money: money,
    dateOptions: dateOptions,
    el: el,
    badge: badge,
    say: say,
    mountAuth: mountAuth,
    slotPicker: slotPicker,
    owes: owes,
    payBody: payBody,
    couponLine: couponLine,
    couponPicker: couponPicker,
    payButton: payButton,
    watchPayment: watchPayment,
  };
})();
