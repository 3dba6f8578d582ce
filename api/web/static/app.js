// A little JavaScript where it saves clicks; every page works without it.
(function () {
  "use strict";

  // Ask before buttons that ship or close things.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // One click, one submission: disable the button once the form is on its way.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.method.toLowerCase() !== "post") { return; }
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });

  // Filters that apply as soon as they change.
  document.querySelectorAll("[data-autosubmit]").forEach(function (input) {
    input.addEventListener("change", function () { input.form.submit(); });
  });

  // Show what the books say for the SKU being received or counted.
  document.querySelectorAll("form[data-balance-url]").forEach(function (form) {
    var sku = form.querySelector("input[name=sku]");
    var out = form.querySelector(".balance");
    if (!sku || !out) { return; }
    var zh = document.documentElement.lang !== "en";
    function show() {
      var value = sku.value.trim();
      if (!value) { out.textContent = ""; return; }
      fetch(form.getAttribute("data-balance-url") + "?sku=" + encodeURIComponent(value),
            {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (b) {
          if (!b) { return; }
          if (!b.known) { out.textContent = zh ? "没有这个配件编码。" : "No part with this SKU."; return; }
          out.textContent = zh
            ? b.name + "：账面在库 " + b.on_hand + "，已预留 " + b.reserved + "，在途 " + b.in_transit + "。"
            : b.name + ": books say " + b.on_hand + " on hand, " + b.reserved + " reserved, " + b.in_transit + " in transit.";
        })
        .catch(function () { out.textContent = ""; });
    }
    var timer = null;
    sku.addEventListener("input", function () { window.clearTimeout(timer); timer = window.setTimeout(show, 250); });
    sku.addEventListener("change", show);
    if (sku.value) { show(); }
  });
})();
