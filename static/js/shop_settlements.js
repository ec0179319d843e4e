// The store's settlement statements (GET /partner/stores/{id}/settlements), the latest first, a page at a time.
(function () {
  "use strict";
  const C = window.Chefu;
  const el = C.el;
  const K = window.ChefuShop;
  const s = K.s;
  const shop = JSON.parse(document.getElementById("chefu-shop").textContent);
  const body = document.getElementById("statements");
  const more = document.getElementById("more");
  const PAGE = 30;
  let offset = 0;

  function period(row) {
    return row.period_start === row.period_end ? row.period_start : row.period_start + " – " + row.period_end;
  }

  async function load() {
    try {
      const data = await C.api("GET", K.path("/settlements?" + new URLSearchParams({ limit: PAGE, offset: offset })));
      for (const row of data.items) {
        body.append(
          el("tr", {}, [
            el("td", { text: period(row) }),
            el("td", { class: "num", text: C.money(row.gross) }),
            el("td", { class: "num", text: C.money(row.commission) }),
            el("td", { class: "num", text: C.money(row.refunds) }),
            el("td", { class: "num", text: C.money(row.net) }),
            el("td", { text: shop.statementStatus[row.status] || row.status }),
          ])
        );
      }
      offset += data.items.length;
      more.hidden = offset >= data.count;
      if (!data.count) body.append(el("tr", {}, el("td", { colspan: "6", class: "muted", text: s.noStatements })));
    } catch (error) {
      K.say(C.explain(error), "error");
    }
  }

  more.addEventListener("click", load);
  K.onReady(load);
})();
