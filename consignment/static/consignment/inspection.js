// The inspector's report form: how many items are answered, "mark the rest OK", and each item's colour following its
// answer. The form works without it (the server checks everything).
(function () {
  "use strict";
  const form = document.getElementById("inspection-form");
  if (!form) return;
  const items = Array.from(form.querySelectorAll(".insp-item"));
  const progress = document.getElementById("progress");

  function paint(item) {
    const picked = item.querySelector("input[type=radio]:checked");
    item.classList.remove("result-ok", "result-minor", "result-major", "result-na");
    if (picked) {
      item.classList.add("result-" + picked.value);
      item.classList.remove("has-error");
    }
  }

  function count() {
    const done = items.filter((item) => item.querySelector("input[type=radio]:checked")).length;
    if (progress) progress.textContent = done + " / " + items.length + " " + progress.dataset.label;
  }

  form.addEventListener("change", function (event) {
    const item = event.target.closest(".insp-item");
    if (item && event.target.type === "radio") {
      paint(item);
      count();
    }
  });

  // A photo picked shows as a count on its button.
  form.addEventListener("change", function (event) {
    if (event.target.type !== "file") return;
    const count = event.target.closest("label").querySelector(".photo-count");
    if (count) count.textContent = event.target.files.length ? String(event.target.files.length) : "";
  });

  const restOk = document.getElementById("rest-ok");
  if (restOk) {
    restOk.addEventListener("click", function () {
      for (const item of items) {
        if (item.querySelector("input[type=radio]:checked")) continue;
        const ok = item.querySelector("input[type=radio][value=ok]");
        if (ok) {
          ok.checked = true;
          paint(item);
        }
      }
      count();
      const empty = items.find((item) => {
        const reading = item.querySelector("input[data-required]");
        return reading && !reading.value.trim();
      });
      if (empty) empty.querySelector("input[data-required]").focus();
    });
  }
  count();
})();
