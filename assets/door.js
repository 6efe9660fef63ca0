// The door page's scanner loop. The page works without this file (a plain form POST and a
// redirect); with it, a scan is sent with fetch, the answer shown at once without a reload,
// the input cleared and focused for the next code, a short beep played (WebAudio, no sound
// file), and the phone's camera offered where the browser can read QR codes itself
// (a secure context with BarcodeDetector). No framework, nothing from the internet.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  var input = document.getElementById("code");
  if (!form || !input || !window.fetch) { return; }
  var live = document.getElementById("result-live");
  var recent = document.getElementById("recent");
  var present = document.getElementById("present");
  var total = document.getElementById("total");
  var soundButton = document.getElementById("sound");
  var cameraButton = document.getElementById("camera");
  var cameraBox = document.getElementById("camera-box");
  var video = document.getElementById("camera-view");
  var cameraStatus = document.getElementById("camera-status");
  var sent = 0;
  var shown = 0;

  function ready() { input.value = ""; input.focus(); }

  // Sound: on unless the steward turned it off on this device.
  var soundOn = true;
  try { soundOn = window.localStorage.getItem("rezerve.door.sound") !== "off"; } catch (e) { /* private mode */ }
  var audio = null;
  function showSound() {
    soundButton.setAttribute("aria-pressed", soundOn ? "true" : "false");
    soundButton.textContent = soundOn ? "Sound: on" : "Sound: off";
  }
  function tone(ctx, at, freq, length, wave) {
    var osc = ctx.createOscillator();
    var gain = ctx.createGain();
    osc.type = wave;
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.3, at + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + length + 0.02);
  }
  function beep(outcome) {
    if (!soundOn) { return; }
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return; }
    try {
      audio = audio || new Ctx();
      if (audio.state === "suspended") { audio.resume(); }
      var t = audio.currentTime + 0.01;
      if (outcome === "admitted") {
        tone(audio, t, 1320, 0.12, "sine");
      } else if (outcome === "used") {
        tone(audio, t, 660, 0.1, "square");
        tone(audio, t + 0.16, 660, 0.1, "square");
      } else {
        tone(audio, t, 180, 0.45, "sawtooth");
      }
    } catch (e) { /* no sound on this device */ }
  }
  if (soundButton) {
    soundButton.hidden = false;
    showSound();
    soundButton.addEventListener("click", function () {
      soundOn = !soundOn;
      try { window.localStorage.setItem("rezerve.door.sound", soundOn ? "on" : "off"); } catch (e) { /* ignore */ }
      showSound();
      input.focus();
    });
  }

  function show(answer) {
    live.innerHTML = answer.result_html;
    recent.innerHTML = answer.recent_html;
    present.textContent = String(answer.present);
    total.textContent = String(answer.total);
  }

  function offline() {
    live.innerHTML = '<div class="result result-problem" id="result" data-outcome="problem">' +
      '<p class="result-head"><span class="result-symbol" aria-hidden="true">?</span> NO ANSWER</p>' +
      '<p class="result-line">The server did not answer. Check the connection and scan again.</p></div>';
    beep("refused");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = new URLSearchParams(new FormData(form));
    var code = input.value;
    var mine = ++sent;
    ready();
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      var type = response.headers.get("content-type") || "";
      if ((response.ok || response.status === 422) && type.indexOf("application/json") === 0) {
        return response.json().then(function (answer) {
          if (mine < shown) { return; } // a later scan's answer is on screen already
          shown = mine;
          show(answer);
          var result = document.getElementById("result");
          beep(result ? result.getAttribute("data-outcome") : "refused");
          if (document.activeElement !== input) { input.focus(); }
        });
      }
      // Signed out, or the form is stale: let the browser post it and show the page.
      input.value = code;
      form.submit();
    }).catch(function () {
      if (mine >= shown) { shown = mine; offline(); }
    });
  });

  // Camera scanning, only where the browser decodes QR codes itself.
  var stream = null;
  var timer = null;
  var last = "";
  var lastAt = 0;
  function stopCamera() {
    if (timer) { window.clearInterval(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    cameraBox.hidden = true;
    cameraButton.textContent = "Scan with camera";
    input.focus();
  }
  function startCamera() {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        cameraBox.hidden = false;
        cameraButton.textContent = "Stop camera";
        return video.play();
      })
      .then(function () {
        timer = window.setInterval(function () {
          if (video.readyState < 2) { return; }
          detector.detect(video).then(function (codes) {
            if (!codes.length) { return; }
            var raw = codes[0].rawValue;
            var now = Date.now();
            if (raw === last && now - lastAt < 3000) { return; } // the same ticket still in view
            last = raw;
            lastAt = now;
            input.value = raw;
            form.requestSubmit();
          }).catch(function () { /* a frame it could not read */ });
        }, 250);
      })
      .catch(function () {
        cameraStatus.textContent = "The camera could not be opened. Allow it in the browser, or use the scanner.";
        cameraBox.hidden = false;
      });
  }
  var canDetect = window.isSecureContext && "BarcodeDetector" in window &&
    navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
  if (cameraButton && canDetect) {
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") < 0) { return; }
      cameraButton.hidden = false;
      cameraButton.addEventListener("click", function () {
        if (stream) { stopCamera(); } else { startCamera(); }
      });
    }).catch(function () { /* no camera scanning here */ });
  }

  input.focus();
})();
