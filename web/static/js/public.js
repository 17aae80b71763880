/* The waiting-room display: asks for the sanitised queue every few seconds (no login, no socket). */
(function () {
  "use strict";
  var list = document.getElementById("queue");
  if (!list) { return; }
  var status = document.getElementById("queue-status");
  var every = parseInt(list.dataset.refreshMs, 10) || 5000;

  function line(item) {
    var li = document.createElement("li");
    li.className = "queue-item state-" + item.state;
    li.setAttribute("data-testid", "queue-item");
    li.dataset.state = item.state;
    [["number", item.number, "queue-number"], ["initials", item.initials || "", "queue-initials"],
     ["state", item.state === "received" ? list.dataset.textReceived : list.dataset.textWaiting, null]]
      .forEach(function (part) {
        var span = document.createElement("span");
        span.className = part[0];
        span.textContent = part[1];
        if (part[2]) { span.setAttribute("data-testid", part[2]); }
        li.appendChild(span);
      });
    return li;
  }

  function show(queue) {
    list.replaceChildren();
    if (!queue.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.setAttribute("data-testid", "queue-empty");
      empty.textContent = list.dataset.textEmpty;
      list.appendChild(empty);
    }
    queue.forEach(function (item) { list.appendChild(line(item)); });
    list.dataset.count = String(queue.length);
  }

  function refresh() {
    fetch(list.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        show(data.queue || []);
        status.dataset.state = "loaded";
        status.textContent = "";
      })
      .catch(function () {
        status.dataset.state = "offline";
        status.textContent = list.dataset.textOffline;
      })
      .finally(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
})();
