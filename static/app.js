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
