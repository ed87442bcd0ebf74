// Loket dashboard: a walk-in guest's photo from the desk's webcam (issue 20 §4). The form works without it.
//
// The capture goes into the form's own file field (#photo), so the server receives one upload whatever made
// it, and checks it the same way. The camera opens only on the officer's click, once the guest's consent is
// ticked (a photo is personal data: no consent, no camera), and is switched off as soon as a frame is taken.
// No camera, no permission or an old browser: the section stays hidden or says so, and the file field remains.
"use strict";
(function () {
  var box = document.getElementById("webcam");
  var input = document.getElementById("photo");
  var consent = document.getElementById("consent");
  var media = navigator.mediaDevices;
  if (!box || !input || !consent || !media || !media.getUserMedia || !window.DataTransfer) { return; }
  var start = document.getElementById("webcam-start");
  var take = document.getElementById("webcam-capture");
  var video = document.getElementById("webcam-video");
  var still = document.getElementById("webcam-still");
  var status = document.getElementById("webcam-status");
  var stream = null;
  var captured = false;  // the file field holds the camera's picture (not a file the officer chose)
  var WIDTH = 640, QUALITY = 0.85;  // enough to recognise a face on a badge, well under the 5 MB limit

  function say(key) { status.textContent = key ? box.dataset[key] || "" : ""; }

  function stop() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    take.hidden = true;
  }

  function paintConsent() {
    start.disabled = !consent.checked;
    if (!consent.checked) {
      stop();
      if (captured) {  // consent withdrawn: the picture taken under it goes too
        input.value = "";
        still.hidden = true;
        captured = false;
        start.textContent = box.dataset.open;
      }
      say("needConsent");
    } else if (status.textContent === box.dataset.needConsent) {
      say(null);
    }
  }

  function open() {
    if (!consent.checked) { paintConsent(); return; }
    say("opening");
    media.getUserMedia({video: {facingMode: "user", width: {ideal: WIDTH}}, audio: false}).then(function (found) {
      stream = found;
      video.srcObject = found;
      video.hidden = false;
      start.hidden = true;
      return video.play();
    }).catch(function (error) {
      stop();
      start.hidden = false;
      say(error && error.name === "NotAllowedError" ? "refused" : "unavailable");
    });
  }

  function capture() {
    if (!stream || !video.videoWidth) { return; }
    var scale = Math.min(1, WIDTH / video.videoWidth);
    still.width = Math.round(video.videoWidth * scale);
    still.height = Math.round(video.videoHeight * scale);
    still.getContext("2d").drawImage(video, 0, 0, still.width, still.height);
    still.toBlob(function (blob) {
      if (!blob) { say("unavailable"); return; }
      var files = new DataTransfer();
      files.items.add(new File([blob], "kamera.jpg", {type: "image/jpeg"}));
      input.files = files.files;  // the form's own upload field: the server sees an ordinary file
      captured = true;
      input.dispatchEvent(new Event("change", {bubbles: true}));
      still.hidden = false;
      stop();
      start.hidden = false;
      start.textContent = box.dataset.retake;
      say("taken");
    }, "image/jpeg", QUALITY);
  }

  // A file chosen by hand replaces a capture: the preview would no longer show what is sent.
  input.addEventListener("change", function (event) {
    if (event.isTrusted) { still.hidden = true; captured = false; say(null); }
  });
  video.addEventListener("loadeddata", function () {  // a frame to take: only now may the officer press
    if (stream) { take.hidden = false; say("ready"); }
  });
  consent.addEventListener("change", paintConsent);
  start.addEventListener("click", open);
  take.addEventListener("click", capture);
  window.addEventListener("pagehide", stop);

  // Show the camera only where there is one; enumerateDevices names kinds even before any permission.
  (media.enumerateDevices ? media.enumerateDevices() : Promise.resolve([])).then(function (devices) {
    var cameras = devices.filter(function (d) { return d.kind === "videoinput"; }).length;
    box.dataset.cameras = String(cameras);  // what was found, for the officer's support (and the tests)
    if (!cameras) { return; }
    box.hidden = false;
    paintConsent();
  }).catch(function () { /* no camera list: the file field alone */ });
})();
