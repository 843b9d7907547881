// "Usable": the moment an app's input accepts a todo and renders it. Installed as an init script in
// every frame of the measuring browser contexts (proxy and direct alike), it runs before any page
// script in app documents (path /todo/…) and, on every DOM change and every 4 ms, tries what a user
// would: focus `input.new-todo`, type (value + an `input` event), press Enter (keydown/keyup). Once a
// `.todo-list label` shows the text, it reports the time (performance.timeOrigin + now, the same
// wall clock as the harness's epochMs) through the exposed binding and stops.
export const PROBE_TEXT = 'tti probe';
export const PROBE_BINDING = '__ttiUsable';

export interface ProbeReport {
  /** Epoch ms (performance.timeOrigin + performance.now()) when the todo was rendered. */
  t: number;
  href: string;
  /** Attempts made (typing + Enter) before one was rendered. */
  attempts: number;
  /** When the input first existed, epoch ms. */
  inputAt: number;
  /** Navigation and resource timing of the app's document (diagnostics: TTI_DEBUG=1 prints them). */
  timing: { navStart: number; responseStart: number; responseEnd: number; domInteractive: number; resources: [string, number, number, number][] };
}

// Plain JavaScript in a string: a transpiled function's toString() may call helpers (esbuild's
// __name) that do not exist in the page.
const PROBE_SOURCE = `(function (text, binding) {
  if (!location.pathname.startsWith('/todo/')) return;
  var now = function () { return performance.timeOrigin + performance.now(); };
  var done = false, last = -Infinity, attempts = 0, inputAt = 0, timer = 0;
  var mo = new MutationObserver(check);
  function check() {
    if (done) return;
    var labels = document.querySelectorAll('.todo-list label');
    for (var i = 0; i < labels.length; i++) {
      if ((labels[i].textContent || '').trim() === text) {
        done = true;
        var t = now();
        mo.disconnect();
        clearInterval(timer);
        var nav = performance.getEntriesByType('navigation')[0] || {};
        var timing = {
          navStart: performance.timeOrigin,
          responseStart: nav.responseStart, responseEnd: nav.responseEnd, domInteractive: nav.domInteractive,
          resources: performance.getEntriesByType('resource').map(function (e) { return [new URL(e.name).pathname.slice(0, 40), Math.round(e.startTime), Math.round(e.responseEnd), e.transferSize]; })
        };
        if (window[binding]) window[binding]({ t: t, href: location.href, attempts: attempts, inputAt: inputAt, timing: timing });
        return;
      }
    }
    var input = document.querySelector('input.new-todo');
    if (!input) return;
    if (!inputAt) inputAt = now();
    if (performance.now() - last < 4) return;
    last = performance.now();
    attempts++;
    input.focus();
    input.value = text;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    var key = { key: 'Enter', code: 'Enter', keyCode: 13, which: 13, bubbles: true, cancelable: true };
    input.dispatchEvent(new KeyboardEvent('keydown', key));
    input.dispatchEvent(new KeyboardEvent('keyup', key));
  }
  mo.observe(document, { childList: true, subtree: true, characterData: true });
  timer = setInterval(check, 4);
})`;

/** The init script's source. */
export const PROBE_SCRIPT = `${PROBE_SOURCE}(${JSON.stringify(PROBE_TEXT)}, ${JSON.stringify(PROBE_BINDING)});`;
