// Kotsukotsu service worker: notifications, an offline page, and keeping the push subscription fresh.
"use strict";

const OFFLINE_CACHE = "kotsukotsu-offline-v1";
const OFFLINE_URLS = ["/offline", "/static/app.css", "/static/icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(OFFLINE_CACHE).then((cache) => cache.addAll(OFFLINE_URLS)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== OFFLINE_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

// Pages are private and never cached; only when the network fails is the offline page shown.
self.addEventListener("fetch", (event) => {
  if (event.request.mode !== "navigate") return;
  event.respondWith(fetch(event.request).catch(() => caches.match("/offline")));
});

// Every push shows a notification: iOS revokes subscriptions whose pushes show none.
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (e) {
    message = {};
  }
  const title = message.title || "Kotsukotsu";
  const options = {
    body: message.body || "",
    tag: message.tag || "kotsukotsu",
    renotify: true,
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/icon-192.png",
    data: { url: sameOrigin(message.url) },
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

function sameOrigin(url) {
  try {
    const target = new URL(url || "/", self.location.origin);
    return target.origin === self.location.origin ? target.pathname + target.search + target.hash : "/";
  } catch (e) {
    return "/";
  }
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((clients) => {
      for (const client of clients) {
        if (new URL(client.url).origin === self.location.origin && "focus" in client) {
          return client.focus().then((focused) => (focused.navigate ? focused.navigate(url) : focused));
        }
      }
      return self.clients.openWindow(url);
    })
  );
});

// The push service rotated the subscription: subscribe again and tell the server.
self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(
    Promise.all([
      fetch("/push/vapid-public-key", { credentials: "same-origin" }).then((r) => r.json()),
      fetch("/push/token", { credentials: "same-origin" }).then((r) => r.json()),
    ]).then(([key, token]) =>
      self.registration.pushManager
        .subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(key.publicKey) })
        .then((subscription) =>
          fetch("/push/subscriptions", {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": token.csrfToken },
            body: JSON.stringify(subscription.toJSON()),
          })
        )
    )
  );
});

function base64UrlToBytes(value) {
  const padded = (value + "===".slice((value.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(padded);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}
