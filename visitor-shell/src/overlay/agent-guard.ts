// The agent's copy of a page shares the visitor's server-side session (cookie jar), so anything it
// sends to the site would act on the visitor's behalf. Without the visitor's consent the agent may
// look, scroll, point and follow links (leading is GET navigation), but its copy sends no data:
// form submissions other than GET, and fetch/XHR/beacon requests other than GET/HEAD, are refused
// here. With consent, the agent's clicks are forwarded as `act` and performed in the visitor's own
// page, where they take effect once; the agent's copy still sends nothing itself.
import { pathOf } from './dom-path.ts';
import { post, safe } from './env.ts';
import { isLayer } from './layer.ts';

export const party = { role: null as 'visitor' | 'agent' | null, controlGranted: false };

const READ_ONLY = new Set(['GET', 'HEAD', 'OPTIONS']);
const REFUSED = "co-browse: the agent's copy of the page does not send data to the site; ask the visitor for control to act in their page.";

const guarded = () => party.role === 'agent';

function refuse(): void {
  console.info(REFUSED);
}

export function installAgentGuard(): void {
  // Set by the embedding window on the iframe (CobrowseBridge); the `role` message confirms it later.
  if (window.name === 'cb-agent') party.role = 'agent';
  const origFetch = window.fetch;
  window.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    if (guarded() && !READ_ONLY.has(method)) {
      refuse();
      return Promise.reject(new TypeError(REFUSED));
    }
    return origFetch.call(this, input as RequestInfo, init);
  } as typeof fetch;

  const open = XMLHttpRequest.prototype.open;
  const send = XMLHttpRequest.prototype.send;
  const methods = new WeakMap<XMLHttpRequest, string>();
  XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, method: string, ...rest: unknown[]) {
    methods.set(this, String(method).toUpperCase());
    return (open as (...a: unknown[]) => void).call(this, method, ...rest);
  } as typeof XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.send = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
    if (guarded() && !READ_ONLY.has(methods.get(this) ?? 'GET')) {
      refuse();
      throw new DOMException(REFUSED, 'NetworkError');
    }
    return send.call(this, body);
  };

  if (navigator.sendBeacon) {
    const beacon = navigator.sendBeacon.bind(navigator);
    navigator.sendBeacon = (url: string | URL, data?: BodyInit | null) => (guarded() ? (refuse(), false) : beacon(url, data));
  }

  document.addEventListener(
    'submit',
    safe((ev: Event) => {
      const form = ev.target as HTMLFormElement;
      const submitter = (ev as SubmitEvent).submitter;
      const method = (submitter?.getAttribute('formmethod') ?? form.method ?? 'get').toUpperCase();
      if (!guarded() || READ_ONLY.has(method)) return;
      ev.preventDefault();
      ev.stopImmediatePropagation();
      if (!party.controlGranted) return refuse();
      // With consent, the submission happens in the visitor's page (the click on its submitter).
      const path = pathOf(submitter ?? form);
      if (path) post({ cb: 1, type: 'act', path, action: 'click' });
    }),
    true,
  );

  // With consent, clicks on controls are performed in the visitor's page too (the agent's copy
  // follows through the channel). Form submits are handled above, so submit buttons are skipped;
  // checkboxes, radios and selects are not forwarded because form sync already carries their state.
  document.addEventListener(
    'click',
    safe((ev: MouseEvent) => {
      if (!guarded() || !party.controlGranted || !ev.isTrusted) return;
      const el = (ev.target as Element | null)?.closest?.('button, [role=button], summary, a[href]');
      if (!el || isLayer(el)) return;
      if ((el as HTMLButtonElement).type === 'submit' && el.closest('form')) return;
      const path = pathOf(el);
      if (path) post({ cb: 1, type: 'act', path, action: 'click' });
    }),
    true,
  );
}
