// An auction page, the dealer's or the seller's: the countdown ticks on the page's clock, set by the server's; the
// auction is polled every 2 s with If-None-Match (GET /consignment/auctions/{id} answers 304 while nothing changed)
// and the price, the bids, the reserve and the standing follow; when the auction closes the page reloads into its
// outcome. The dealer's bid form posts a bid with an Idempotency-Key, sent again unchanged when no answer came.
(function () {
  "use strict";

  const Chefu = window.Chefu;
  const t = Chefu.t;
  const config = Chefu.config;
  const root = document.getElementById("auction");
  const POLL_MS = 2000;
  let etag = config.etag;
  let status = root.dataset.status;
  let endsAt = new Date(root.dataset.endsAt).getTime();
  // The server's clock minus this page's, from the Date header (whole seconds: ignored when under 2 s).
  let skew = 0;

  function set(name, text) {
    for (const node of root.querySelectorAll('[data-field="' + name + '"]')) node.textContent = text;
  }

  function clock(ms) {
    const total = Math.max(0, Math.ceil(ms / 1000));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    const mmss = String(minutes).padStart(2, "0") + ":" + String(seconds).padStart(2, "0");
    if (hours >= 24) return Chefu.fmt(t.days, { days: Math.floor(hours / 24), time: (hours % 24) + ":" + mmss });
    return hours ? hours + ":" + mmss : mmss;
  }

  function tick() {
    if (status !== "open") {
      set("countdown", t.ended);
      return;
    }
    const left = endsAt - (Date.now() + skew);
    set("countdown", left > 0 ? clock(left) : t.closing);
    root.classList.toggle("ending", left > 0 && left <= 120000);
  }

  // The amount the form offers: the new minimum once the one there is no longer enough (unless it is being typed in).
  function offer(minimum) {
    const input = document.querySelector("#bid-form input[name=amount]");
    if (!input || !minimum || document.activeElement === input) return;
    if (!(Number(input.value) >= Number(minimum))) input.value = minimum;
  }

  function show(auction) {
    const closed = status === "open" && auction.status !== "open";
    status = auction.status;
    endsAt = new Date(auction.ends_at).getTime();
    set("highest_bid", auction.highest_bid ? Chefu.money(auction.highest_bid) : t.noBids);
    set("bid_count", String(auction.bid_count));
    set("reserve_met", auction.reserve_met ? t.met : t.notMet);
    if (auction.min_next_bid) {
      set("min_next_bid", Chefu.money(auction.min_next_bid));
      offer(auction.min_next_bid);
    }
    if ("my_max" in auction) {
      set("my_max", auction.my_max ? Chefu.money(auction.my_max) : "—");
      set("standing", !auction.my_max ? t.notBidYet : auction.leading ? t.youLead : t.outbid);
      root.classList.toggle("leading", !!auction.leading);
    }
    tick();
    if (closed) window.location.reload();
  }

  async function poll() {
    let response;
    try {
      response = await fetch(config.api, {
        headers: { Accept: "application/json", "If-None-Match": etag },
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (error) {
      return; // the next poll tries again
    }
    const date = Date.parse(response.headers.get("Date") || "");
    if (!Number.isNaN(date)) {
      const measured = date - Date.now();
      skew = Math.abs(measured) >= 2000 ? measured : 0;
    }
    if (response.status === 304 || !response.ok) return;
    etag = response.headers.get("ETag") || etag;
    show(await response.json());
  }

  tick();
  setInterval(tick, 250);
  setInterval(poll, POLL_MS);

  const form = document.getElementById("bid-form");
  if (!form) return;
  const message = form.querySelector(".bid-message");
  const button = form.querySelector("button[type=submit]");
  // The bid last sent without an answer: sent again with the same key, the server answers it once.
  let attempt = null;

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const body = { amount: form.amount.value.trim().replace(/[,¥\s]/g, "") };
    const maximum = form.max_amount.value.trim().replace(/[,¥\s]/g, "");
    if (maximum) body.max_amount = maximum;
    const signature = JSON.stringify(body);
    if (!attempt || attempt.signature !== signature) attempt = { signature: signature, key: Chefu.newKey() };
    button.disabled = true;
    Chefu.say(message, t.bidding);
    try {
      const placed = await Chefu.api("POST", "/consignment/auctions/" + config.auctionId + "/bids", {
        body: body,
        key: attempt.key,
      });
      attempt = null;
      const standing = placed.highest ? t.youLead : t.outbid;
      Chefu.say(message, Chefu.fmt(t.bidTaken, { amount: Chefu.money(placed.amount) }) + " " + standing, placed.highest ? "ok" : "error");
      form.amount.value = placed.min_next_bid || "";
      form.max_amount.value = "";
    } catch (error) {
      if (!error.retryable) attempt = null;
      Chefu.say(message, error.status === 401 ? t.signInFirst : Chefu.explain(error), "error");
      if (error.details && error.details.min_next_bid) form.amount.value = error.details.min_next_bid;
    } finally {
      button.disabled = false;
    }
    await poll();
  });
})();
