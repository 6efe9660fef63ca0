// The box office's hold timer: counts the held seats' time down on the sale page, and says
// plainly when it has run out. The server decides (an expired hold sells nothing, with or
// without this script); this only keeps the clerk informed without a reload.
(function () {
  "use strict";
  var timer = document.getElementById("hold-timer");
  var left = document.getElementById("minutes-left");
  if (!timer || !left) return;
  var expires = Number(timer.getAttribute("data-expires-ms"));
  var serverNow = Number(timer.getAttribute("data-now-ms"));
  if (!expires || !serverNow) return;
  // Count from the server's clock, not the till's, which may be wrong.
  var offset = serverNow - Date.now();
  function tick() {
    var ms = expires - (Date.now() + offset);
    if (ms <= 0) {
      timer.classList.add("ended");
      timer.textContent = "The hold has expired: these seats are back on sale and nothing will be sold. Go back and pick them again.";
      return;
    }
    var s = Math.ceil(ms / 1000);
    left.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    setTimeout(tick, 1000 - (ms % 1000 || 1000) + 5);
  }
  tick();
})();
