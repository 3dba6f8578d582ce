// Scanning at the shelf. A keyboard-wedge scanner types a code and Enter into the focused field;
// a phone's camera (html5-qrcode, vendored beside this file) feeds the same fields. Every form
// still posts without this script, and the server checks what was scanned: this only saves clicks
// and says at once what is wrong. The words come from the page (#scan-words), in its language.
(function () {
  "use strict";

  var words = document.getElementById("scan-words");
  if (!words) { return; }

  function say(name, values) {
    var text = words.getAttribute("data-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("%(" + key + ")s").join(String(values[key]));
    });
    return text;
  }

  function tell(input, text, refused) {
    var holder = input.closest(".scan-field") || input.form;
    var out = holder && holder.querySelector(".scan-status");
    if (!out) { return; }
    out.textContent = text;
    out.classList.toggle("error", !!refused);
    input.classList.toggle("refused", !!refused);
  }

  function submit(form, button) {
    if (form.requestSubmit) { form.requestSubmit(button || undefined); } else { form.submit(); }
  }

  // Each Enter in a scan field is one scan; the field empties for the next.
  function onScan(input, handle) {
    input.scanned = handle;
    input.closest(".scan-field").hidden = false;
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      var code = input.value.trim();
      input.value = "";
      if (code) { handle(code); }
    });
  }

  // Pick and ship: each unit's code counts up its line; a part the pick does not ship is refused;
  // the pick ships when every line is scanned in full. The codes go in the form's list, which the
  // server checks again (a wrong part never ships, with or without this script).
  document.querySelectorAll("form[data-pick]").forEach(function (form) {
    var input = form.querySelector("input[data-scan]");
    var list = form.querySelector("textarea[name=scanned]");
    var button = form.querySelector("button[type=submit]");
    var rows = Array.prototype.slice.call(form.closest(".pick").querySelectorAll("tr[data-sku]"));
    var need = {}, got = {};
    rows.forEach(function (row) {
      var sku = row.getAttribute("data-sku");
      need[sku] = (need[sku] || 0) + parseInt(row.getAttribute("data-qty"), 10);
      got[sku] = 0;
    });
    function complete() {
      return Object.keys(need).every(function (sku) { return got[sku] === need[sku]; });
    }
    function draw() {
      var left = Object.assign({}, got);
      rows.forEach(function (row) {
        var sku = row.getAttribute("data-sku"), qty = parseInt(row.getAttribute("data-qty"), 10);
        var n = Math.min(left[sku], qty);
        left[sku] -= n;
        row.querySelector(".scanned").textContent = n + " / " + qty;
        row.classList.toggle("scanned-full", n === qty);
      });
      button.disabled = !complete();
    }
    function add(code, quietly) {
      if (!Object.prototype.hasOwnProperty.call(need, code)) {
        var other = document.querySelector('form[data-pick="' + CSS.escape(code) + '"] input[data-scan]');
        if (other) {  // a pick list's QR (the requisition's code): scan that pick next
          other.focus();
          other.scrollIntoView({block: "center"});
          tell(other, say("other-pick", {code: code}), false);
        } else {
          tell(input, say("not-on-pick", {code: code}), true);
        }
        return;
      }
      if (got[code] >= need[code]) {
        tell(input, say("enough", {qty: need[code], code: code}), true);
        return;
      }
      got[code] += 1;
      list.value = list.value ? list.value + "\n" + code : code;
      tell(input, say("counted", {code: code, n: got[code], qty: need[code]}), false);
      draw();
      if (complete() && !quietly) {
        tell(input, say("complete"), false);
        submit(form, button);
      }
    }
    var earlier = list.value.split(/\r?\n/);  // scans a refusal echoed back count again where they fit
    list.value = "";
    form.querySelector(".scanned-list").hidden = true;
    onScan(input, add);
    earlier.forEach(function (code) { if (code.trim()) { add(code.trim(), true); } });
    draw();
  });

  // Receive or count one part: each scan of the same code adds one to the quantity.
  document.querySelectorAll("form[data-scan-count]").forEach(function (form) {
    var input = form.querySelector("input[data-scan]");
    var sku = form.querySelector("input[name=sku]");
    var qty = form.querySelector("input[name=" + form.getAttribute("data-scan-count") + "]");
    onScan(input, function (code) {
      var current = sku.value.trim(), n = parseInt(qty.value, 10) || 0;
      if (current && current !== code && n > 0) {
        tell(input, say("save-first", {sku: current, code: code}), true);
        return;
      }
      if (current !== code) {
        sku.value = code;
        n = 0;
        sku.dispatchEvent(new Event("change"));
      }
      qty.value = n + 1;
      tell(input, say("count-up", {code: code, n: n + 1}), false);
    });
  });

  // A cycle count's lines: each scan adds one to that part's counted quantity.
  document.querySelectorAll("form[data-scan-lines]").forEach(function (form) {
    var input = form.querySelector("input[data-scan]");
    onScan(input, function (code) {
      var field = form.querySelector('input[data-sku="' + CSS.escape(code) + '"]');
      if (!field) {
        tell(input, say("not-counted", {code: code}), true);
        return;
      }
      var n = (parseInt(field.value, 10) || 0) + 1;
      field.value = n;
      tell(input, say("count-up", {code: code, n: n}), false);
    });
  });

  // The first scan field takes the scanner's typing, unless a field has an error to correct.
  var first = document.querySelector(".scan-field:not([hidden]) input[data-scan]");
  if (first && !document.querySelector("[aria-invalid=true]")) { first.focus(); }

  // The camera: a decoded code is delivered as if the scanner had typed it. The same code counts
  // again only once it has been out of sight for a moment (a code held still is one scan).
  var REPEAT_MS = 1500;
  function deliver(input, code) {
    if (input.scanned) {
      input.scanned(code);
    } else {  // a form of one field (receive by QR): fill it in and send it
      input.value = code;
      submit(input.form);
    }
  }
  var camera = window.Html5Qrcode && navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
  document.querySelectorAll("button.camera[data-camera-for]").forEach(function (button) {
    var id = button.getAttribute("data-camera-for");
    var input = document.getElementById(id), view = document.getElementById(id + "-camera");
    if (!camera || !input || !view) { return; }
    var reader = null, last = "", seen = 0;
    function stop() {
      if (reader) {
        var stopping = reader;
        reader = null;
        stopping.stop().then(function () { stopping.clear(); }, function () {});
      }
      view.hidden = true;
      button.textContent = say("camera-on");
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (reader) { stop(); return; }
      view.hidden = false;
      button.textContent = say("camera-off");
      var formats = window.Html5QrcodeSupportedFormats;
      reader = new window.Html5Qrcode(view.id, {verbose: false,
                                                formatsToSupport: [formats.QR_CODE, formats.CODE_128]});
      reader.start({facingMode: "environment"},
                   {fps: 10, qrbox: function (w, h) { var side = Math.floor(Math.min(w, h) * 0.8); return {width: side, height: side}; }},
                   function (text) {
                     var now = Date.now(), code = text.trim(), again = code === last && now - seen < REPEAT_MS;
                     last = code;
                     seen = now;
                     if (!again && code) { deliver(input, code); }
                   },
                   function () {})
        .catch(function (error) {
          tell(input, say("camera-failed", {reason: (error && error.message) || error}), true);
          stop();
        });
    });
  });
})();
