// Staff console: live queue and conversation updates over WebSockets, staff actions with
// the session's CSRF token. Pages work without it (forms still post); this adds liveness.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var token = csrf ? csrf.getAttribute("content") : "";
  var lang = document.documentElement.lang;

  function socket(path, onEvent) {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var delay = 1000;
    function open() {
      var ws = new WebSocket(scheme + location.host + path);
      ws.onmessage = function (e) { delay = 1000; onEvent(JSON.parse(e.data)); };
      ws.onclose = function () { setTimeout(open, delay); delay = Math.min(delay * 2, 30000); };
    }
    open();
  }

  function replaceFrom(url, target, after) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.text();
    }).then(function (html) { target.innerHTML = html; if (after) { after(); } });
  }

  function announce(id, text) {
    var region = document.getElementById(id);
    if (region) { region.textContent = ""; setTimeout(function () { region.textContent = text; }, 50); }
  }

  // --- Queue page -------------------------------------------------------------------
  var queue = document.getElementById("queue");
  if (queue) {
    var dept = queue.getAttribute("data-department");
    var query = "?lang=" + lang + (dept ? "&department=" + encodeURIComponent(dept) : "");
    var refresh = function () {
      replaceFrom("/console/queue/table" + query, queue, function () {
        var rows = queue.querySelectorAll("tbody tr").length;
        announce("queue-status", queue.getAttribute("data-updated").replace("{count}", rows));
      });
    };
    socket("/console/api/ws/queue" + (dept ? "?department=" + encodeURIComponent(dept) : ""),
           function (event) { if (event.type === "queue_changed") { refresh(); } });
    setInterval(refresh, 30000);  // waiting times and service-level clocks move on
  }

  // --- Item page --------------------------------------------------------------------
  var item = document.getElementById("item");
  if (!item) { return; }
  var id = item.getAttribute("data-item");
  var transcript = document.getElementById("transcript");
  var scrollDown = function () {
    var list = transcript.querySelector(".transcript");
    if (list) { list.scrollTop = list.scrollHeight; }
  };
  scrollDown();
  var reloadTranscript = function () {
    return replaceFrom("/console/items/" + id + "/transcript?lang=" + lang, transcript, scrollDown);
  };
  socket("/console/api/ws/items/" + id, function (event) {
    if (event.type === "message" || event.type === "resident_message") {
      reloadTranscript().then(function () {
        if (event.type === "resident_message") {
          announce("item-status", item.getAttribute("data-new-message"));
        }
      });
    }
  });

  var canned = document.getElementById("insert-canned");
  if (canned) {
    canned.addEventListener("click", function () {
      var reply = document.getElementById("reply");
      reply.value = document.getElementById("canned").value;
      reply.focus();
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.action"), function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var action = form.getAttribute("data-action");
      var body = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name) { body[el.name] = el.value; }
      });
      fetch("/console/api/items/" + id + "/" + action, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, data: data }; });
      }).then(function (result) {
        if (!result.ok) { announce("item-status", result.data.detail || "Error"); return; }
        if (action === "messages") {
          form.reset();
          document.getElementById("reply").focus();
          return reloadTranscript();
        }
        location.reload();  // claim, note, transfer, close change what the page offers
      });
    });
  });
}());
