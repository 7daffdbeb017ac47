// The leave form: the end follows the start, a half day only for one day, and the hint (balance, days,
// approvers, notice) asked of the server again as the fields change. Without it the form still works.
(function () {
  "use strict";
  var form = document.querySelector("[data-leave-form]");
  if (!form) { return; }
  var box = form.querySelector("[data-leave-hint]");
  var start = form.elements.start, end = form.elements.end, half = form.elements.half_day;
  var asked = 0;

  function oneDay() {
    var one = !end.value || end.value === start.value;
    half.disabled = !one;
    if (!one) { half.value = ""; }
  }

  function refresh() {
    var params = new URLSearchParams();
    var pairs = [["employee_no", "employee_no"], ["type", "leave_type"], ["start", "start"], ["end", "end"],
                 ["half_day", "half_day"]];
    pairs.forEach(function (pair) {
      var field = form.elements[pair[1]];
      if (field && field.value && !field.disabled) { params.set(pair[0], field.value); }
    });
    if (form.elements.emergency && form.elements.emergency.checked) { params.set("emergency", "1"); }
    var mine = ++asked;
    fetch(form.dataset.hintUrl + "?" + params.toString(), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null && mine === asked) { box.innerHTML = html; } })
      .catch(function () {});
  }

  start.addEventListener("change", function () {
    if (start.value && (!end.value || end.value < start.value)) { end.value = start.value; }
  });
  form.addEventListener("change", function (event) {
    if (event.target.type === "file" || event.target.name === "reason") { return; }
    oneDay();
    refresh();
  });
  oneDay();

  var sent = false;
  form.addEventListener("submit", function (event) {
    if (sent) { event.preventDefault(); return; }  // a double tap sends the form once
    sent = true;
    var button = form.querySelector("button[type=submit]");
    setTimeout(function () { button.disabled = true; button.textContent = button.dataset.busy; }, 0);
  });
})();
