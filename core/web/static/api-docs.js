/* Starts Swagger UI on the API page from the settings in its data attributes: the page has
   no inline script, which our Content-Security-Policy would refuse. */
(function () {
  "use strict";
  var holder = document.getElementById("swagger-ui-container");
  var settings = JSON.parse(holder.getAttribute("data-settings") || "{}");
  settings.url = holder.getAttribute("data-spec-url");
  settings.dom_id = "#swagger-ui-container";
  window.ui = window.SwaggerUIBundle(settings);
})();
