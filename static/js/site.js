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

  // ---- cards of repeated lines (payouts, needs): add and remove ---------------------------
  // Field names carry the line's index (payout-3-amount); the server reads any index up to 30
  // and skips blank lines, so a removed line may leave a gap.
  var NOT_COUNTED = /-(status|kind|payee_kind)$/;

  function fields(root) {
    return Array.prototype.slice.call(root.querySelectorAll("input, select, textarea"));
  }
  function isBlank(card) {
    return !card.querySelector(".field-error") && fields(card).every(function (el) {
      return NOT_COUNTED.test(el.name) || !el.value;
    });
  }
  function indexOf(card) {
    var named = card.querySelector("[name]");
    var match = named && /-(\d+)-/.exec(named.name);
    return match ? parseInt(match[1], 10) : 0;
  }
  function renumber(list) {
    list.querySelectorAll("[data-row]").forEach(function (card, i) {
      var no = card.querySelector(".line-no");
      if (no) no.textContent = String(i + 1);
    });
  }
  function showKind(card) {
    var kind = card.querySelector("[data-need-kind]");
    if (!kind) return;
    var service = kind.value === "service";
    card.classList.toggle("is-service", service);
  }
  function clear(card) {
    fields(card).forEach(function (el) {
      el.value = el.getAttribute("data-default") || "";
      el.removeAttribute("aria-invalid");
    });
    card.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    showKind(card);
  }
  document.querySelectorAll("[data-rows]").forEach(function (list) {
    // the server sends a few spare blank cards for use without JavaScript: keep one at most
    var cards = list.querySelectorAll("[data-row]");
    for (var i = cards.length - 1; i > 0; i--) {
      if (isBlank(cards[i])) cards[i].remove(); else break;
    }
    renumber(list);
    list.querySelectorAll("[data-row]").forEach(showKind);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-need-kind]")) {
      showKind(event.target.closest("[data-row]"));
    }
  });
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      var list = document.querySelector('[data-rows="' + button.getAttribute("data-add-row") + '"]');
      var cards = list ? list.querySelectorAll("[data-row]") : [];
      if (!cards.length) return;
      var next = 0;
      cards.forEach(function (card) { next = Math.max(next, indexOf(card) + 1); });
      if (next >= 30) return;
      var card = cards[cards.length - 1].cloneNode(true);
      fields(card).forEach(function (el) {
        el.name = el.name.replace(/-(\d+)-/, "-" + next + "-");
      });
      clear(card);
      list.appendChild(card);
      renumber(list);
      var first = card.querySelector("select, input");
      if (first) first.focus();
    });
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-remove-row]");
    if (!button) return;
    var card = button.closest("[data-row]");
    var list = card.parentElement;
    if (list.querySelectorAll("[data-row]").length > 1) {
      card.remove();
    } else {
      clear(card);
    }
    renumber(list);
    var add = document.querySelector('[data-add-row="' + list.getAttribute("data-rows") + '"]');
    if (add) add.focus();
  });

  // ---- a long form as steps: one fieldset at a time, Next / Back ---------------------------
  var stepped = document.querySelector("form[data-steps]");
  if (stepped) {
    var steps = Array.prototype.slice.call(stepped.querySelectorAll("fieldset.step"));
    var links = Array.prototype.slice.call(stepped.querySelectorAll(".step-progress a"));
    var count = stepped.querySelector(".step-count");
    var current = 0;
    var show = function (n, focus) {
      current = Math.max(0, Math.min(steps.length - 1, n));
      steps.forEach(function (step, i) { step.hidden = i !== current; });
      links.forEach(function (link, i) {
        if (i === current) link.setAttribute("aria-current", "step"); else link.removeAttribute("aria-current");
        link.parentElement.classList.toggle("done", i < current);
      });
      if (count) {
        count.textContent = stepped.getAttribute("data-step-of")
          .replace("{n}", String(current + 1)).replace("{total}", String(steps.length))
          + " · " + steps[current].querySelector("legend").textContent.trim();
      }
      if (steps[current].id === "step-review") review();
      if (focus) {
        stepped.scrollIntoView({ block: "start" });
        steps[current].setAttribute("tabindex", "-1");
        steps[current].focus({ preventScroll: true });
      }
    };
    stepped.classList.add("is-stepped");
    stepped.addEventListener("click", function (event) {
      var target = event.target;
      if (target.closest("[data-step-next]")) { show(current + 1, true); }
      else if (target.closest("[data-step-back]")) { show(current - 1, true); }
      else if (target.closest(".step-progress a")) {
        event.preventDefault();
        show(links.indexOf(target.closest("a")), true);
      } else if (target.closest("[data-goto-step]")) {
        show(parseInt(target.closest("[data-goto-step]").getAttribute("data-goto-step"), 10), true);
      }
    });
    // a validation error opens the step that holds the first error
    // a form given back after an expired session opens on its last step, to check and send
    var first = stepped.querySelector(".field-error, [aria-invalid=true]");
    var opening = document.getElementById(stepped.getAttribute("data-open-step") || "");
    var start = Math.max(0, steps.indexOf(opening));
    if (first) steps.some(function (step, i) { return step.contains(first) && ((start = i), true); });
    show(start, false);

    // the last step lists what was entered, per step, with a button back to that step
    function review() {
      var box = stepped.querySelector("[data-review]");
      if (!box) return;
      box.textContent = "";
      steps.slice(0, -1).forEach(function (step, i) {
        var section = document.createElement("section");
        var head = document.createElement("div");
        head.className = "review-head";
        var h = document.createElement("h3");
        h.textContent = step.querySelector("legend").textContent.trim();
        var edit = document.createElement("button");
        edit.type = "button";
        edit.className = "secondary small";
        edit.setAttribute("data-goto-step", String(i));
        edit.textContent = box.getAttribute("data-edit-label");
        edit.setAttribute("aria-label", edit.textContent + ": " + h.textContent);
        head.appendChild(h);
        head.appendChild(edit);
        section.appendChild(head);
        var dl = document.createElement("dl");
        dl.className = "facts-list";
        var add = function (label, value) {
          var dt = document.createElement("dt");
          dt.textContent = label;
          var dd = document.createElement("dd");
          dd.textContent = value;
          dl.appendChild(dt);
          dl.appendChild(dd);
        };
        var checked = {};
        step.querySelectorAll("label").forEach(function (label) {
          var el = label.querySelector("input, select, textarea");
          if (!el || el.type === "hidden") return;
          var card = label.closest("[data-row]");
          if (card && isBlank(card)) return;
          var name = (label.firstChild && label.firstChild.textContent || "").replace("*", "").trim();
          if (card) name = card.querySelector("h3").textContent.replace(/\s+/g, " ").trim() + " · " + name;
          if (el.type === "checkbox") {
            if (!el.checked) return;
            if (el.name === "categories") { (checked[el.name] = checked[el.name] || []).push(label.textContent.trim()); return; }
            add("✓", label.textContent.trim());
            return;
          }
          var value = el.tagName === "SELECT" ? (el.value ? el.options[el.selectedIndex].text : "") : el.value.trim();
          if (value) add(name, value);
        });
        if (checked.categories) {
          var group = step.querySelector(".checkbox-group .group-label");
          add(group ? group.textContent.replace("*", "").trim() : "", checked.categories.join("、"));
        }
        if (!dl.children.length) add("", box.getAttribute("data-empty-label"));
        section.appendChild(dl);
        box.appendChild(section);
      });
    }
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
