/* Pathway explorer: the portal's side of the iframe sizing (MIT licence, part of the explorer's repository).
 *
 * Put it on the portal page, after the iframe, and mark the iframe with data-pathway-explorer:
 *   <iframe data-pathway-explorer src="https://explorer.intranet.example/?embed=true" title="…"
 *           style="display:block;width:100%;height:900px;border:0"></iframe>
 *   <script src="pathway-explorer-host.js"></script>
 * The explorer (with EMBED_HOST_ORIGINS naming this page's origin) posts its content height after every change;
 * this sets the iframe to that height, so the portal page is the one scroll area. It accepts a message only from
 * a marked iframe's own window and only with that iframe's origin. When an element of the explorer goes full
 * screen, the iframe covers the portal's window until it closes (a placeholder keeps the page from jumping).
 * No network request, no dependency.
 */
(function () {
  "use strict";
  var TYPE = "pathway-explorer:size";
  var MIN = 100, MAX = 100000;
  var placeholders = new WeakMap();

  function enterFullscreen(frame) {
    if (placeholders.has(frame)) return;
    var placeholder = document.createElement("div");
    placeholder.style.height = frame.getBoundingClientRect().height + "px";
    frame.parentNode.insertBefore(placeholder, frame);
    placeholders.set(frame, {placeholder: placeholder, cssText: frame.style.cssText});
    frame.style.cssText += ";position:fixed;inset:0;width:100%;height:100%;z-index:2147483647;background:#fff";
  }

  function leaveFullscreen(frame) {
    var saved = placeholders.get(frame);
    if (!saved) return;
    placeholders.delete(frame);
    frame.style.cssText = saved.cssText;
    saved.placeholder.remove();
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== TYPE || typeof data.height !== "number" || !isFinite(data.height)) return;
    var frames = document.querySelectorAll("iframe[data-pathway-explorer]");
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (frame.contentWindow !== event.source) continue;
      if (new URL(frame.src, document.baseURI).origin !== event.origin) return;
      if (data.fullscreen) {
        enterFullscreen(frame);
      } else {
        leaveFullscreen(frame);
        frame.style.height = Math.max(MIN, Math.min(MAX, Math.ceil(data.height))) + "px";
      }
      return;
    }
  });
})();
