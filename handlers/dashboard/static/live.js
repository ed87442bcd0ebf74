// Loket dashboard: live updates without reloading (issue 20 §2). The page works without this file.
//
// Every few seconds the page asks /dashboard/live with the tag it was rendered with (If-None-Match): a
// bodiless 304 when nothing changed. When the tag moved, the page fetches itself and swaps its
// [data-live] regions (never while the officer is typing in one). The title shows the citizens waiting
// for an officer, "(2) Kotak masuk · Loket"; a new one is announced once per browser with a short chime
// (muted by a toggle kept in localStorage) and a notification when the officer allowed them.
// [data-since] times tick from the server's clock, so a desk PC's wrong clock does not matter.
"use strict";
(function () {
  var body = document.body;
  var url = body.dataset.liveUrl;
  if (!url || !window.fetch) { return; }
  var interval = Math.max(250, Number(body.dataset.liveInterval) || 5000);
  var announce = body.dataset.liveAnnounce === "1";
  var durations = {};
  try { durations = JSON.parse(body.dataset.liveDurations || "{}"); } catch (e) { durations = {}; }
  var offset = 0;  // server clock - this PC's clock, in ms
  var version = body.dataset.liveVersion || null;
  var waiting = Number(body.dataset.liveWaiting) || 0;
  var titleBase = document.title.replace(/^\(\d+\) /, "");
  var failures = 0;
  var pending = false;  // the lists changed while the officer was typing in them
  var SEEN_KEY = "loket.live.newest", SOUND_KEY = "loket.live.sound";
  var stats = window.loketLive = {polls: 0, notModified: 0, refreshed: 0, announced: 0, chimes: 0, notified: 0};

  function syncClock(serverNow) { if (serverNow) { offset = Number(serverNow) - Date.now(); } }
  syncClock(body.dataset.liveNow);

  function store(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function stored(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }

  // -- waiting times -------------------------------------------------------------------------------
  function fill(pattern, values) {
    return String(pattern || "").replace(/\{(\w+)\}/g, function (all, name) {
      return values[name] !== undefined ? String(values[name]) : all;
    });
  }

  function duration(ms) {
    var minutes = Math.max(0, Math.floor(ms / 60000));
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
    if (days) { return fill(durations.days, {days: days, hours: hours}); }
    if (hours) { return fill(durations.hours, {hours: hours, minutes: minutes % 60}); }
    return fill(durations.minutes, {minutes: minutes});
  }

  function tick() {
    var now = Date.now() + offset;
    document.querySelectorAll("[data-since]").forEach(function (el) {
      var since = Number(el.dataset.since);
      if (!since) { return; }
      var text = duration(now - since);
      el.textContent = el.dataset.template ? fill(el.dataset.template, {wait: text}) : text;
      // A wait against the office's standard (Today): marked once it passes the standard, not at it.
      var limit = Number(el.dataset.overAfter);
      if (limit) {
        var row = el.closest("[data-over-row]") || el, over = now - since > limit;
        row.classList.toggle("over", over);
        row.querySelectorAll("[data-over-mark]").forEach(function (mark) { mark.hidden = !over; });
      }
    });
  }

  // -- the waiting citizens: title, menu count, chime, notification ---------------------------------
  function showWaiting(count) {
    waiting = count;
    document.title = (count > 0 ? "(" + count + ") " : "") + titleBase;
    document.querySelectorAll("[data-live-count]").forEach(function (link) {
      link.textContent = fill(link.dataset.liveCount, {count: count});
    });
  }

  var audio = null;
  function unlockAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) { try { audio = new Context(); } catch (e) { audio = null; } }
    if (audio && audio.state === "suspended") { audio.resume(); }
  }

  function muted() { return stored(SOUND_KEY) === "off"; }

  function chime() {
    if (muted()) { return; }
    unlockAudio();
    if (!audio) { return; }
    stats.chimes += 1;
    var start = audio.currentTime + 0.02;
    [880, 1320].forEach(function (frequency, i) {  // two short notes, a "ding-dong" at low volume
      var osc = audio.createOscillator(), gain = audio.createGain(), at = start + i * 0.18;
      osc.type = "sine";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.17);
    });
  }

  function notify(count) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    try {
      var note = new Notification(fill(body.dataset.liveNotifyTitle, {count: count}),
        {body: body.dataset.liveNotifyBody || "", tag: "loket-waiting"});
      stats.notified += 1;
      note.onclick = function () { window.focus(); location.href = body.dataset.liveInbox; note.close(); };
    } catch (e) { /* a browser that only notifies from a service worker */ }
  }

  // Announce a request newer than any this browser announced, once, whichever tab sees it first.
  function announceNewest(newest, count) {
    if (!announce) { return; }
    var seen = Number(stored(SEEN_KEY));
    if (stored(SEEN_KEY) === null || !newest) {
      if (stored(SEEN_KEY) === null) { store(SEEN_KEY, String(newest || 0)); }
      return;
    }
    if (newest <= seen) { return; }
    store(SEEN_KEY, String(newest));
    stats.announced += 1;
    chime();
    notify(count);
  }

  // -- the lists -------------------------------------------------------------------------------------
  function typing(region) {
    var active = document.activeElement;
    if (active && region.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) { return true; }
    return Array.prototype.some.call(region.querySelectorAll("input, textarea, select"), function (field) {
      if (field.type === "hidden") { return false; }
      if (field.type === "checkbox" || field.type === "radio") { return field.checked !== field.defaultChecked; }
      if (field.tagName === "SELECT") {
        return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      return field.value !== field.defaultValue;
    });
  }

  // A row of a list (a request, a visit) or a message of a conversation, marked "live-new" when it arrives.
  var ROWS = "tr[data-handoff], tr[data-visit], li[data-line]";
  function rowKey(row) {
    return row.dataset.handoff || (row.dataset.visit ? "v" + row.dataset.visit : "m" + row.dataset.line);
  }

  function rowKeys(region) {
    var keys = {};
    region.querySelectorAll(ROWS).forEach(function (row) { keys[rowKey(row)] = true; });
    return keys;
  }

  function refresh() {
    var regions = Array.prototype.slice.call(document.querySelectorAll("[data-live]"));
    if (!regions.length) { return Promise.resolve(); }
    if (regions.some(typing)) { pending = true; return Promise.resolve(); }
    pending = false;
    return fetch(location.pathname + location.search, {credentials: "same-origin", cache: "no-store",
                                                       redirect: "manual", headers: {"X-Loket-Live": "1"}})
      .then(function (response) {
        if (response.type === "opaqueredirect" || !response.ok) { throw new Error("page " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (regions.some(typing)) { pending = true; return; }  // the officer started typing meanwhile
        regions.forEach(function (old) {
          var fresh = doc.querySelector('[data-live="' + CSS.escape(old.dataset.live) + '"]');
          if (!fresh) { return; }
          var before = rowKeys(old);
          var copy = document.importNode(fresh, true);
          copy.querySelectorAll(ROWS).forEach(function (row) {
            if (!before[rowKey(row)]) { row.classList.add("live-new"); }
          });
          old.replaceWith(copy);
        });
        syncClock(doc.body.dataset.liveNow);
        stats.refreshed += 1;
        tick();
      });
  }

  // -- polling ---------------------------------------------------------------------------------------
  var offline = document.getElementById("live-offline");
  function schedule() {
    var wait = failures ? Math.min(60000, interval * Math.pow(2, failures)) : interval;
    window.setTimeout(poll, wait);
  }

  function poll() {
    stats.polls += 1;
    var headers = version ? {"If-None-Match": 'W/"' + version + '"'} : {};
    fetch(url, {credentials: "same-origin", cache: "no-store", redirect: "manual", headers: headers})
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401) {
          location.reload();  // signed out (the sign-in ended): show the login page
          return null;
        }
        if (response.status === 304) { stats.notModified += 1; return pending ? refresh() : null; }
        if (!response.ok) { throw new Error("live " + response.status); }
        return response.json().then(function (data) {
          var changed = data.version !== version;
          version = data.version;
          syncClock(data.now);
          if (typeof data.waiting === "number") {
            showWaiting(data.waiting);
            announceNewest(data.newest, data.waiting);
          }
          return changed || pending ? refresh() : null;
        });
      })
      .then(function () {
        failures = 0;
        if (offline) { offline.hidden = true; }
      }, function () {
        failures += 1;
        if (offline && failures > 1) { offline.hidden = false; }
      })
      .then(schedule);
  }

  // -- the officer's toggles -------------------------------------------------------------------------
  function soundButton() {
    var button = document.getElementById("live-sound");
    if (!button) { return; }
    var paint = function () {
      var on = !muted();
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? button.dataset.on : button.dataset.off;
    };
    button.hidden = false;
    paint();
    button.addEventListener("click", function () {
      store(SOUND_KEY, muted() ? "on" : "off");
      paint();
      if (!muted()) { chime(); }  // the officer hears what it sounds like
    });
  }

  function notifyButton() {
    var button = document.getElementById("live-notify");
    if (!button || !("Notification" in window)) { return; }
    button.hidden = Notification.permission !== "default";
    button.addEventListener("click", function () {  // asked only on the officer's own click
      var asked = Notification.requestPermission(function () { button.hidden = Notification.permission !== "default"; });
      if (asked && asked.then) { asked.then(function () { button.hidden = Notification.permission !== "default"; }); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    soundButton();
    notifyButton();
    showWaiting(waiting);
    announceNewest(Number(body.dataset.liveNewest) || 0, waiting);
    tick();
    window.setInterval(tick, 15000);
    ["pointerdown", "keydown"].forEach(function (kind) { document.addEventListener(kind, unlockAudio, {passive: true}); });
    schedule();
  });
})();
