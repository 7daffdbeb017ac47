// Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can forbid inline script.
// A button with data-action="print" prints the page; a form with data-confirm asks before it is sent.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-action='print']");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
// A background job (the monthly report, closing a month, a large import) in progress: [data-job-poll] holds its status URL.
// Ask every 2 seconds; show the percentage; when it has ended, reload the page to show the result or why
// it failed.
(function () {
  var jobs = document.querySelectorAll("[data-job-poll]");
  if (!jobs.length || !window.fetch) { return; }
  function poll() {
    var pending = 0;
    var requests = Array.prototype.map.call(jobs, function (box) {
      if (box.dataset.jobDone) { return Promise.resolve(); }
      pending += 1;
      return fetch(box.dataset.jobPoll, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) { return; }
          var bar = box.querySelector("progress");
          var percent = box.querySelector("[data-job-percent]");
          var waiting = box.querySelector("[data-job-waiting]");
          if (bar) { bar.value = job.percent; }
          if (percent) { percent.textContent = job.percent + "%"; }
          var done = box.querySelector("[data-job-done]");
          var total = box.querySelector("[data-job-total]");
          if (done) { done.textContent = job.done; }
          if (total) { total.textContent = job.total; }
          if (waiting) { waiting.hidden = job.status !== "queued"; }
          if (job.finished) { box.dataset.jobDone = "1"; }
        })
        .catch(function () {});
    });
    Promise.all(requests).then(function () {
      var finished = Array.prototype.some.call(jobs, function (box) { return box.dataset.jobDone; });
      if (finished) { window.location.reload(); } else if (pending) { window.setTimeout(poll, 2000); }
    });
  }
  window.setTimeout(poll, 1000);
})();
// A list table shown as cards on a phone (table.cards, app.css) labels each cell with its column's header.
function labelCards() {
  document.querySelectorAll("table.cards").forEach(function (table) {
    var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) { return; }
    var names = [];
    Array.prototype.forEach.call(head.cells, function (cell) {
      for (var i = 0; i < (cell.colSpan || 1); i++) { names.push(cell.textContent.trim()); }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (cell.colSpan === 1 && !cell.hasAttribute("data-label") && names[column] !== undefined) {
            cell.setAttribute("data-label", names[column]);
          }
          if (!cell.textContent.trim() && !cell.querySelector("a, button, input, select, img")) {
            cell.setAttribute("data-empty", "");
          }
          column += cell.colSpan || 1;
        });
      });
    });
  });
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", labelCards);
} else {
  labelCards();
}
