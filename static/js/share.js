// A case page's share link and amount chips: progressive enhancement only (the page works
// without JavaScript: the link is selectable text, a typed amount wins over a chip).
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    var label = button.textContent;
    button.addEventListener("click", function () {
      var done = function () {
        button.textContent = button.getAttribute("data-copied") || label;
        setTimeout(function () { button.textContent = label; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
      } else {
        field.select();
        try { if (document.execCommand("copy")) done(); } catch (e) { /* selected: copy by hand */ }
      }
    });
  });
  var other = document.querySelector(".amount-chips input[name=amount]");
  if (other) {
    var chips = document.querySelectorAll(".amount-chips input[name=preset]");
    other.addEventListener("input", function () {
      if (other.value.trim()) chips.forEach(function (c) { c.checked = false; });
    });
    chips.forEach(function (c) {
      c.addEventListener("change", function () { other.value = ""; });
    });
  }
})();
