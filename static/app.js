// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Prefill empty time zone fields with the browser's zone.
  document.querySelectorAll("[data-browser-zone]").forEach(function (input) {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      // After a refused submission the field holds what the person typed: leave it.
      if (zone && !document.querySelector(".error")) {
        input.value = zone;
      }
    } catch (e) { /* keep the server's guess */ }
  });

  // Show the hint and fields that belong to the chosen check-in kind.
  var kindInputs = document.querySelectorAll('input[name="kind"][type="radio"]');
  function showKind() {
    var chosen = document.querySelector('input[name="kind"]:checked') ||
      document.querySelector('input[name="kind"][type="hidden"]');
    var kind = chosen ? chosen.value : "";
    document.querySelectorAll("[data-kind-hint]").forEach(function (el) {
      el.hidden = el.dataset.kindHint !== kind;
    });
    document.querySelectorAll("[data-kind-only]").forEach(function (el) {
      el.hidden = el.dataset.kindOnly !== kind;
    });
  }
  if (document.querySelector("[data-kind-hint]")) {
    kindInputs.forEach(function (input) { input.addEventListener("change", showKind); });
    showKind();
  }

  // Copy the invite link.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.querySelector(button.dataset.copy);
      if (!field) return;
      field.select();
      var done = function () { button.textContent = button.dataset.copied; };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
  document.querySelectorAll("[data-select-on-focus]").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });
})();
