// Pathway explorer, inside the portal's iframe: tells the host page how tall the page's content is, so the host
// snippet (pathway-explorer-host.js) sizes the iframe to it and the portal keeps one scroll area. It posts only
// the height and whether an element is in full screen, and only to the origins the server's EMBED_HOST_ORIGINS
// setting names (the script's data-origins). The app inlines this file; deploy/render_nginx.py allows it by hash.
(() => {
  const script = document.currentScript;
  if (window.parent === window || window.pathwayExplorerSize) return;
  window.pathwayExplorerSize = true;
  let origins = [];
  try { origins = JSON.parse(script.dataset.origins || "[]"); } catch (error) { return; }
  let observed = null, last = "", queued = false;
  const resize = new ResizeObserver(() => schedule());
  const send = () => {
    queued = false;
    const block = document.querySelector('[data-testid="stMainBlockContainer"]');
    if (!block) return;
    if (block !== observed) { if (observed) resize.unobserve(observed); resize.observe(block); observed = block; }
    const message = {
      type: "pathway-explorer:size",
      height: Math.ceil(block.getBoundingClientRect().height),
      fullscreen: !!document.querySelector('[data-testid="stFullScreenFrame"] button[aria-label^="Close fullscreen"]'),
    };
    const key = JSON.stringify(message);
    if (key === last) return;
    last = key;
    for (const origin of origins) window.parent.postMessage(message, origin);
  };
  const schedule = () => { if (!queued) { queued = true; requestAnimationFrame(send); } };
  new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true});
  schedule();
})();
