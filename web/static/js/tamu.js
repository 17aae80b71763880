/* Tamu dashboard: live panels over Socket.IO, forms sent with fetch(), ticking wait times.
 * Plain JS, no build step; served by the app itself (the residence network may be offline). */
(function () {
  "use strict";

  var csrfToken = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var TICK_MS = 10000;
  var REFRESH_DEBOUNCE_MS = 150;
  // True while this page is being left (a form was submitted, a link followed): a socket the
  // server closes meanwhile must not reload the old page over the new one, nor a late fetch
  // send the browser to the login page.
  var leaving = false;
  window.addEventListener("beforeunload", function () {
    leaving = true;
    setTimeout(function () { leaving = false; }, 10000);  // the navigation was cancelled
  });

  function request(url, options) {
    var opts = options || {};
    opts.credentials = "same-origin";
    opts.headers = Object.assign({ "X-Requested-With": "fetch" }, opts.headers || {});
    return fetch(url, opts).then(function (response) {
      if (response.status === 401) {
        if (leaving) { throw new Error("leaving"); }
        window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
        throw new Error("not logged in");
      }
      return response;
    });
  }

  /* ---- toast ---- */
  var toastTimer = null;
  function toast(message, kind) {
    var box = document.getElementById("toast");
    if (!box || !message) { return; }
    box.textContent = message;
    box.className = "toast " + (kind || "success");
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, kind === "error" ? 8000 : 4000);
  }

  /* ---- ticking "minutes waited" ---- */
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-since]").forEach(function (el) {
      var since = Date.parse(el.getAttribute("data-since"));
      if (!isNaN(since)) { el.textContent = String(Math.max(0, Math.floor((now - since) / 60000))); }
    });
  }

  /* ---- panels: refreshed from the server, keeping items the user is working in ---- */
  function isBusy(item) {
    return item.contains(document.activeElement) && document.activeElement !== document.body ||
      item.querySelector("details[open]") !== null || item.querySelector(".dirty") !== null;
  }

  function swapPanel(panel, html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    panel.querySelectorAll("[data-key]").forEach(function (old) {
      if (!isBusy(old)) { return; }
      var key = old.getAttribute("data-key");
      var twin = tpl.content.querySelector('[data-key="' + CSS.escape(key) + '"]');
      if (twin) { twin.replaceWith(old); }
    });
    panel.replaceChildren(tpl.content);
    tick();
  }

  var pending = new Map();
  function refreshPanel(panel) {
    if (pending.has(panel)) { return; }
    pending.set(panel, setTimeout(function () {
      pending.delete(panel);
      request(panel.getAttribute("data-src"), { headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(new Error(r.status)); })
        .then(function (html) { swapPanel(panel, html); })
        .catch(function (err) { console.warn("panel refresh failed", err); });
    }, REFRESH_DEBOUNCE_MS));
  }

  function refreshPanelsFor(eventName) {
    document.querySelectorAll("[data-panel]").forEach(function (panel) {
      var events = (panel.getAttribute("data-events") || "").split(/\s+/);
      if (events.indexOf(eventName) >= 0) { refreshPanel(panel); }
    });
  }

  /* ---- forms sent with fetch(); plain POST still works without JS ---- */
  function settle(form) {
    var item = form.closest("[data-key]");
    if (item) {
      item.querySelectorAll("details[open]").forEach(function (d) { d.open = false; });
      item.querySelectorAll(".dirty").forEach(function (d) { d.classList.remove("dirty"); });
    }
    if (document.activeElement) { document.activeElement.blur(); }
  }

  document.addEventListener("input", function (ev) {
    var field = ev.target;
    if (field.form && field.form.hasAttribute("data-ajax")) { field.form.classList.add("dirty"); }
  });

  /* A form that asks first (e.g. "Bukan orang ini"): runs before the submit handler below. */
  document.addEventListener("submit", function (ev) {
    var question = ev.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
  });

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (ev.defaultPrevented || !form.hasAttribute("data-ajax")) { return; }
    ev.preventDefault();
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    request(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" }
    })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.ok) {
          toast(body.message, "success");
          settle(form);
          var panel = form.closest("[data-panel]");
          if (panel) { refreshPanel(panel); }
        } else {
          toast(body.error, "error");
        }
      })
      .catch(function (err) { toast(String(err), "error"); })
      .finally(function () { buttons.forEach(function (b) { b.disabled = false; }); });
  });

  /* ---- guest search (guard: "this is guest X") ---- */
  function renderResults(form, guests, emptyText) {
    var list = form.querySelector("[data-search-results]");
    list.replaceChildren();
    if (!guests.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = emptyText;
      list.appendChild(none);
      return;
    }
    guests.forEach(function (g) {
      var li = document.createElement("li");
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "result";
      btn.setAttribute("data-testid", "guest-result");
      btn.setAttribute("data-guest-id", String(g.id));
      btn.textContent = g.name + (g.institution ? " · " + g.institution : "");
      btn.addEventListener("click", function () {
        form.querySelector("[data-guest-id]").value = String(g.id);
        list.querySelectorAll(".result").forEach(function (b) { b.classList.remove("chosen"); });
        btn.classList.add("chosen");
      });
      li.appendChild(btn);
      list.appendChild(li);
    });
  }

  var searchTimer = null;
  document.addEventListener("input", function (ev) {
    var input = ev.target;
    if (!input.hasAttribute("data-search-input")) { return; }
    var form = input.closest("[data-guest-search]");
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      var url = input.getAttribute("data-url") + "?q=" + encodeURIComponent(input.value);
      request(url, { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (body) { renderResults(form, body.guests || [], input.getAttribute("data-empty")); });
    }, 250);
  });

  /* ---- live camera frames: reload each image after the previous one arrived, and only
   * while the camera is online (an offline camera shows its placeholder and costs no request) */
  var ERROR_RETRY_MS = 5000;
  var liveImages = {};  // camera name -> function (online: bool)
  function startLiveImage(img) {
    var base = img.getAttribute("data-src");
    var every = parseInt(img.getAttribute("data-refresh-ms"), 10) || 1000;
    var figure = img.closest("figure");
    var placeholder = figure.querySelector("[data-camera-placeholder]");
    var online = figure.getAttribute("data-status") === "online";
    var timer = null;
    function schedule(ms) {
      clearTimeout(timer);
      timer = setTimeout(load, ms);
    }
    function load() {
      timer = null;
      if (!online) { return; }
      if (document.visibilityState === "hidden") { schedule(every); return; }
      img.src = base + "?t=" + Date.now();
    }
    function showPicture(yes) {
      img.hidden = !yes;
      placeholder.hidden = yes;
    }
    img.addEventListener("load", function () {
      if (!online) { return; }
      showPicture(true);
      schedule(every);
    });
    img.addEventListener("error", function () {
      if (!online) { return; }
      showPicture(false);  // online, but no frame written yet: ask again, slowly
      schedule(Math.max(every, ERROR_RETRY_MS));
    });
    liveImages[img.getAttribute("data-camera")] = function (now) {
      if (now === online) { return; }
      online = now;
      if (online) {
        schedule(0);
      } else {
        clearTimeout(timer);
        timer = null;
        img.removeAttribute("src");
        showPicture(false);
      }
    };
    if (online && img.complete) { schedule(every); }
  }

  /* ---- camera status badges, tiles and the worker banner ---- */
  var cameraLabels = {};
  function setCameraStatus(name, status) {
    var label = cameraLabels[status] || status;
    document.querySelectorAll('[data-camera-status="' + CSS.escape(name) + '"]').forEach(function (el) {
      el.setAttribute("data-status", status);
      el.className = "badge cam-" + status;
      el.textContent = label;
    });
    document.querySelectorAll('[data-camera-placeholder="' + CSS.escape(name) + '"]').forEach(function (el) {
      el.closest("figure").setAttribute("data-status", status);
      el.querySelector("[data-placeholder-status]").textContent = label;
    });
    if (liveImages[name]) { liveImages[name](status === "online"); }
  }

  function setWorker(alive) {
    var banner = document.getElementById("worker-banner");
    if (banner) { banner.hidden = alive; }
  }

  /* ---- Socket.IO ---- */
  function setLive(state) {
    var el = document.getElementById("live-status");
    if (!el) { return; }
    el.setAttribute("data-state", state);
    el.textContent = el.getAttribute("data-text-" + state) || state;
  }

  function connect() {
    if (typeof io === "undefined") { return; }
    var socket = io();
    // Anything missed (this socket reconnected, or the server's message queue did): reload
    // the camera badges and every panel once.
    function resync() {
      socket.emit("camera_states", function (ack) {
        if (ack && ack.ok) {
          ack.cameras.forEach(function (c) { setCameraStatus(c.camera, c.status); });
          setWorker(ack.worker.alive);
        }
      });
      document.querySelectorAll("[data-panel]").forEach(refreshPanel);
    }
    socket.on("connect", function () {
      setLive("live");
      resync();
    });
    socket.on("resync", resync);
    socket.on("disconnect", function (reason) {
      setLive("offline");
      // The server ended this login (logout, password change, disabled, expired): the reload
      // meets the login page instead of a dashboard that silently stopped updating.
      if (reason === "io server disconnect" && !leaving) { window.location.reload(); }
    });
    socket.on("connect_error", function () {
      setLive("offline");
      if (!socket.active && !leaving) { window.location.reload(); }  // refused: the login is over
    });
    socket.on("camera_status", function (ev) { setCameraStatus(ev.camera, ev.status); });
    socket.on("worker_status", function (ev) { setWorker(ev.alive); });
    socket.onAny(function (name) { refreshPanelsFor(name); });
    window.tamuSocket = socket;
  }

  function start() {
    var labelsEl = document.getElementById("camera-labels");
    if (labelsEl) { cameraLabels = JSON.parse(labelsEl.textContent); }
    document.querySelectorAll("img[data-live]").forEach(startLiveImage);
    tick();
    setInterval(tick, TICK_MS);
    connect();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
