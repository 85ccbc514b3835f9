// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var toggle = document.querySelector(".menu-toggle");
  var menu = document.getElementById("site-menu");
  if (toggle && menu) {
    toggle.addEventListener("click", function () {
      var open = menu.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.getAttribute("data-add-row");
      var body = document.querySelector('[data-rows="' + prefix + '"] tbody');
      if (!body || !body.lastElementChild) return;
      var index = body.children.length;
      if (index >= 30) return;
      var row = body.lastElementChild.cloneNode(true);
      row.querySelectorAll("input, select, textarea").forEach(function (el) {
        el.name = el.name.replace(/-(\d+)-/, "-" + index + "-");
        if (el.tagName === "SELECT") { el.selectedIndex = 0; } else { el.value = ""; }
      });
      row.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
      body.appendChild(row);
    });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
