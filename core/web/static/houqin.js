/* What the pages do in the browser, asked for by data attributes. The Content-Security-Policy
   lets scripts come only from files we serve, so no page carries inline script or on*=.
   - data-print on a button or link: print the page;
   - data-print-on-load anywhere on a page: print it once it has loaded (a receipt);
   - data-submit-on-change on a field: send its form when the choice changes;
   - data-confirm="question" on a form: ask before sending it;
   - data-menu on a button: open or close what its aria-controls names (the phone's menu).
   Loaded before the body: it marks the page as scripted ("js" on <html>), so that the
   stylesheet folds the phone's menu away only where this script can open it again. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
    var toggle = event.target.closest && event.target.closest("[data-menu]");
    if (toggle) {
      var opened = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", opened ? "true" : "false");
      var menu = document.getElementById(toggle.getAttribute("aria-controls"));
      if (menu) {
        menu.classList.toggle("open", opened);
      }
    }
  });
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.form && field.hasAttribute("data-submit-on-change")) {
      field.form.submit();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);
  window.addEventListener("load", function () {
    if (document.querySelector("[data-print-on-load]")) {
      window.print();
    }
  });
})();
