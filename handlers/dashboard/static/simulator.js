// Loket's WhatsApp simulator: fetch the chat pane every few seconds, so that what the worker delivers
// (a host notice, the host's answer) shows without reloading. The page works without this file.
"use strict";
(function () {
  var phone = document.querySelector(".sim-phone");
  if (!phone || !window.fetch) { return; }
  var url = phone.dataset.pollUrl;
  var every = Math.max(500, Number(phone.dataset.pollMs) || 2000);
  var window_ = window;
  function scrollDown() {
    var chat = document.getElementById("simulator-chat");
    if (chat) { chat.scrollTop = chat.scrollHeight; }
  }
  function refresh() {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}}).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      var chat = document.getElementById("simulator-chat");
      if (!html || !chat) { return; }
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("#simulator-chat");
      if (!fresh) { return; }
      var changed = fresh.dataset.count !== chat.dataset.count || fresh.dataset.waiting !== chat.dataset.waiting;
      if (changed) { chat.replaceWith(fresh); scrollDown(); }
    }).catch(function () { /* offline a moment: the next poll tries again */ });
  }
  scrollDown();
  var button = document.getElementById("simulator-refresh");
  if (button) { button.addEventListener("click", refresh); }
  window_.setInterval(refresh, every);
})();
