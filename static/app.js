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
