/* What the pages do in the browser, asked for by data attributes. The Content-Security-Policy
   lets scripts come only from files we serve, so no page carries inline script or on*=.
   - data-print on a button or link: print the page;
   - data-print-on-load anywhere on a page: print it once it has loaded (a receipt);
   - data-submit-on-change on a field: send its form when the choice changes;
   - data-confirm="question" on a form: ask before sending it. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
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
