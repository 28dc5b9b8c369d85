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

// --- the installable app: service worker and push subscription -----------------------------------
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  var csrf = document.querySelector('meta[name="csrf-token"]');
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  if (!csrf) return; // signed out: nothing to sync

  function headers() {
    return { "Content-Type": "application/json", "X-CSRFToken": csrf.content };
  }
  function keyBytes(value) {
    var padded = (value + "===".slice((value.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), function (c) { return c.charCodeAt(0); });
  }
  function send(subscription) {
    return fetch("/push/subscriptions", {
      method: "POST", credentials: "same-origin", headers: headers(), body: JSON.stringify(subscription.toJSON())
    }).then(function (r) { if (!r.ok) throw new Error("subscribe " + r.status); return r; });
  }
  function subscribe() {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw new Error("permission " + permission);
      return Promise.all([
        navigator.serviceWorker.ready,
        fetch("/push/vapid-public-key", { credentials: "same-origin" }).then(function (r) { return r.json(); })
      ]);
    }).then(function (results) {
      return results[0].pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(results[1].publicKey) });
    }).then(send);
  }
  function unsubscribe() {
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return null;
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return fetch("/push/subscriptions", {
          method: "DELETE", credentials: "same-origin", headers: headers(), body: JSON.stringify({ endpoint: endpoint })
        });
      });
    });
  }

  // Re-sync on every app open, so a subscription the browser renewed reaches the server.
  if ("PushManager" in window && window.Notification && Notification.permission === "granted") {
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) { if (subscription) return send(subscription); }).catch(function () {});
  }

  var panel = document.querySelector("[data-push-panel]");
  if (!panel) return;
  var status = panel.querySelector("[data-push-status]");
  var onButton = panel.querySelector("[data-push-on]");
  var offButton = panel.querySelector("[data-push-off]");
  var standalone = window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  var iOS = /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);

  function show(state) {
    panel.querySelectorAll("[data-push-state]").forEach(function (el) {
      el.hidden = el.dataset.pushState !== state;
    });
    onButton.hidden = state !== "off";
    offButton.hidden = state !== "on";
  }
  if (iOS && !standalone) { show("ios-install"); return; }
  if (!("PushManager" in window) || !window.Notification) { show("unsupported"); return; }
  if (Notification.permission === "denied") { show("denied"); return; }
  navigator.serviceWorker.ready.then(function (registration) {
    return registration.pushManager.getSubscription();
  }).then(function (subscription) { show(subscription ? "on" : "off"); });

  onButton.addEventListener("click", function () {
    onButton.disabled = true;
    subscribe().then(function () { window.location.reload(); }, function () {
      onButton.disabled = false;
      show(Notification.permission === "denied" ? "denied" : "failed");
    });
  });
  offButton.addEventListener("click", function () {
    offButton.disabled = true;
    unsubscribe().then(function () { window.location.reload(); });
  });
})();

// Quick exit: leave at once, replacing this page in the history so "back" does not return.
(function () {
  "use strict";
  document.querySelectorAll("[data-quick-exit]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.location.replace(link.href);
    });
  });
})();
