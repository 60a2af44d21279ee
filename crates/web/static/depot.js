// Depot's own script: the few things a page does in the browser. Pages work without it for
// reading; it only adds copy buttons and the form token on htmx requests.
(function () {
  "use strict";

  // A copy button copies the text of the element its data-copy names (e.g. a new API key in
  // an element with data-secret), then says so for two seconds.
  function copyText(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) return;
    var text = (target.value !== undefined ? target.value : target.textContent).trim();
    var done = function () {
      var label = button.getAttribute("data-copied") || "Copied";
      var original = button.textContent;
      button.textContent = label;
      button.classList.add("is-done");
      setTimeout(function () {
        button.textContent = original;
        button.classList.remove("is-done");
      }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectAndCopy(target, done); });
    } else {
      selectAndCopy(target, done);
    }
  }

  // Without the Clipboard API (plain http on another host): select the text and copy it.
  function selectAndCopy(target, done) {
    var range = document.createRange();
    range.selectNodeContents(target);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try {
      if (document.execCommand("copy")) done();
    } catch (e) { /* the text stays selected for the person to copy */ }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (button) {
      event.preventDefault();
      copyText(button);
    }
    // A button with data-confirm asks first (revoking a key, deleting a subscription).
    var confirmer = event.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Copy buttons need the script: they stay hidden without it.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(function (b) { b.hidden = false; });
  });

  // A refused scan (an element with data-beep, e.g. a wrong unit at the pack station) also
  // sounds a short low tone, so a worker with eyes on the parcel hears it. The page says
  // so on <html data-beeped> (what the browser tests check); without Web Audio it is silent.
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector("[data-beep]")) return;
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      var audio = new Context();
      var tone = audio.createOscillator();
      var volume = audio.createGain();
      tone.type = "square";
      tone.frequency.value = 220;
      volume.gain.value = 0.15;
      tone.connect(volume);
      volume.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.25);
      document.documentElement.setAttribute("data-beeped", "");
    } catch (e) { /* no sound is no reason to break the page */ }
  });

  // htmx requests carry the session's form token as a header.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
  });
})();
