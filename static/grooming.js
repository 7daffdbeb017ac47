// The grooming check: keep each person's summary line in step with the taps, and send the form once.
(function () {
  "use strict";
  var form = document.querySelector("[data-gc-form]");
  if (!form) { return; }

  function refresh(card) {
    var state = card.querySelector("[data-gc-state]");
    var absent = card.querySelector("[data-gc-absent]").checked;
    var failed = card.querySelectorAll(".gc-item input:checked").length;
    card.classList.toggle("is-absent", absent);
    card.classList.toggle("has-fail", !absent && failed > 0);
    state.textContent = absent ? state.dataset.absent
      : failed ? failed + " " + state.dataset.failed : state.dataset.pass;
  }

  form.querySelectorAll("[data-gc-person]").forEach(function (card) {
    card.addEventListener("change", function () { refresh(card); });
    refresh(card);
  });

  var sent = false;
  form.addEventListener("submit", function (event) {
    if (sent) { event.preventDefault(); return; }  // a double tap sends the form once
    sent = true;
    var button = form.querySelector("[data-gc-submit]");
    if (button) {
      // Disabled a moment later, so the submit still carries the button.
      setTimeout(function () { button.disabled = true; button.textContent = button.dataset.busy; }, 0);
    }
  });
})();
