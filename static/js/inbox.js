// The notifications inbox (cms.owner_pages.inbox): the signed-in user's in-app messages, newest first, 20 at a time
// (GET /me/notifications), each marked read with its button (POST /me/notifications/{id}/read) or when its booking
// is opened; the header's badge follows (inbox_badge.js, event "chefu:unread").
(function () {
  "use strict";
  const C = window.Chefu;
  const t = C.t;
  const el = C.el;

  const list = document.getElementById("inbox");
  const message = document.getElementById("inbox-message");
  const more = document.getElementById("inbox-more");
  const tools = document.querySelector(".inbox-tools");
  const markAll = document.getElementById("mark-all-read");
  const tz = list.dataset.platformTimezone;
  const PAGE = 20;
  let loaded = [];
  let total = 0;

  async function announceUnread() {
    try {
      const answer = await C.api("GET", "/me/notifications/unread-count");
      document.dispatchEvent(new CustomEvent("chefu:unread", { detail: { count: answer.count } }));
      tools.hidden = !answer.count;
    } catch (error) {
      // the badge keeps what it showed
    }
  }

  // "booking:12" → the order page of booking 12; other references open nothing.
  function link(ref) {
    const match = /^booking:(\d+)$/.exec(ref || "");
    return match ? C.fmt(C.config.orderUrl, { id: match[1] }) : null;
  }

  async function markRead(item, note) {
    const answer = await C.api("POST", "/me/notifications/" + note.id + "/read");
    Object.assign(note, answer);
    item.replaceWith(row(note));
  }

  function row(note) {
    const unread = !note.read_at;
    const item = el("li", { class: "card notification" + (unread ? " unread" : ""), "data-notification-id": String(note.id) });
    const href = link(note.ref);
    const actions = el("div", { class: "actions" });
    if (href) {
      actions.append(
        el("a", {
          class: "button open-ref",
          href: href,
          text: t.open,
          onclick: async function (event) {
            if (!unread) return;
            event.preventDefault();
            try {
              await markRead(item, note);
            } catch (error) {
              // opening the booking matters more than the mark
            }
            location.assign(href);
          },
        })
      );
    }
    if (unread) {
      actions.append(
        el("button", {
          type: "button",
          class: "secondary mark-read",
          text: t.markRead,
          onclick: async function () {
            try {
              await markRead(item, note);
              await announceUnread();
            } catch (error) {
              C.say(message, C.explain(error), "error");
            }
          },
        })
      );
    }
    item.append(
      el("div", { class: "card-head" }, [
        el("strong", { class: "subject", text: note.subject || note.body.slice(0, 40) }),
        unread ? el("span", { class: "badge status-pending_payment", text: t.unread }) : null,
      ]),
      el("p", { class: "body", text: note.body }),
      el("p", { class: "muted small" }, [el("time", { datetime: note.created_at, text: C.day(note.created_at, tz) + " " + C.time(note.created_at, tz) })]),
      actions
    );
    return item;
  }

  async function loadMore() {
    let page;
    try {
      page = await C.api("GET", "/me/notifications?" + new URLSearchParams({ limit: PAGE, offset: loaded.length }));
    } catch (error) {
      if (error.status !== 401) C.say(message, C.explain(error), "error");
      return;
    }
    total = page.count;
    loaded = loaded.concat(page.items);
    list.append(...page.items.map(row));
    more.hidden = loaded.length >= total;
    C.say(message, total ? "" : t.noNotifications);
  }

  more.addEventListener("click", loadMore);

  // Every unread message (a hundred at a time), then the list again.
  markAll.addEventListener("click", async function () {
    markAll.disabled = true;
    try {
      for (let round = 0; round < 10; round++) {
        const page = await C.api("GET", "/me/notifications?unread=true&limit=100");
        for (const note of page.items) await C.api("POST", "/me/notifications/" + note.id + "/read");
        if (page.items.length === page.count) break;
      }
    } catch (error) {
      C.say(message, C.explain(error), "error");
    }
    markAll.disabled = false;
    list.replaceChildren();
    loaded = [];
    await Promise.all([loadMore(), announceUnread()]);
  });

  C.mountAuth(document.getElementById("auth"), function (user) {
    list.replaceChildren();
    loaded = [];
    more.hidden = true;
    tools.hidden = true;
    if (user) {
      loadMore();
      announceUnread();
    } else C.say(message, "");
  });
})();
