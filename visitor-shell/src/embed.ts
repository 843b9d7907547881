// The site-owner snippet: <script src="https://GATEWAY/embed.js" data-site="SITE" async></script>
// Renders a fixed "Talk to a live agent" button linking to GATEWAY/start?site=…&url=<this page>.
// Optional: data-department, data-label, and the shell's customisation carried in the link:
// data-lang (e.g. "de"), data-accent ("#0f7b5f") and data-t-<key> (any shell string, README
// "Customising the visitor shell"); the shell validates them. The link's url is refreshed on
// interaction so SPA routes are right. Nothing else: no cookies, no requests, no globals besides a double-load guard.
import { CUSTOM_PARAM, accentPalette, parseAccent } from './i18n/customize.ts';

(() => {
  try {
    const w = window as Window & { __cbEmbed?: boolean; __cbFrame?: unknown };
    // Inside a co-browsed page (the proxy's overlay is present) a second session makes no sense.
    if (w.__cbEmbed || w.__cbFrame) return;
    const script = (document.currentScript ??
      document.querySelector('script[src*="embed.js"][data-site]')) as HTMLScriptElement | null;
    if (!script) return;
    const site = script.getAttribute('data-site');
    if (!site) {
      console.warn('[cobrowse] embed.js needs a data-site attribute.');
      return;
    }
    w.__cbEmbed = true;
    const gateway = new URL(script.src, location.href).origin;
    const department = script.getAttribute('data-department');
    const label = script.getAttribute('data-label') || 'Talk to a live agent';
    const custom = new URLSearchParams();
    const lang = script.getAttribute('data-lang');
    if (lang) custom.set('lang', lang);
    const accent = parseAccent(script.getAttribute('data-accent'));
    if (accent) custom.set('accent', accent);
    for (const attr of Array.from(script.attributes)) {
      if (attr.name.startsWith('data-t-') && CUSTOM_PARAM.test(`t.${attr.name.slice(7)}`)) custom.set(`t.${attr.name.slice(7)}`, attr.value);
    }
    const extra = custom.toString();

    const a = document.createElement('a');
    a.setAttribute('data-testid', 'talk-to-agent-embed');
    a.setAttribute('aria-label', label);
    if (lang) a.setAttribute('lang', lang);
    const update = () => {
      let href = `${gateway}/start?site=${encodeURIComponent(site)}`;
      if (department) href += `&department=${encodeURIComponent(department)}`;
      if (extra) href += `&${extra}`;
      a.href = `${href}&url=${encodeURIComponent(location.href)}`;
    };
    update();
    for (const ev of ['pointerdown', 'focus', 'mouseenter', 'click']) a.addEventListener(ev, update, true);

    const dot = document.createElement('span');
    dot.setAttribute('aria-hidden', 'true');
    a.append(dot, document.createTextNode(label));

    // Inline, !important styles: page CSS must not be able to hide or restyle the button.
    const css = (el: HTMLElement, rules: Record<string, string>) => {
      for (const k in rules) el.style.setProperty(k, rules[k], 'important');
    };
    css(a, {
      position: 'fixed',
      right: '20px',
      bottom: '20px',
      'z-index': '2147483000',
      display: 'inline-flex',
      'align-items': 'center',
      gap: '10px',
      padding: '12px 18px',
      'border-radius': '999px',
      background: accent ?? '#0f7b5f',
      color: accent ? accentPalette(accent).ink : '#fff',
      font: '600 15px/1.2 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif',
      'text-decoration': 'none',
      'box-shadow': '0 8px 24px rgba(0,0,0,.22)',
      'letter-spacing': 'normal',
      'text-transform': 'none',
    });
    css(dot, {
      width: '10px',
      height: '10px',
      'border-radius': '50%',
      background: '#7dffc8',
      'box-shadow': '0 0 0 3px rgba(125,255,200,.3)',
      display: 'inline-block',
    });

    const mount = () => {
      if (!a.isConnected) document.body.appendChild(a);
    };
    if (document.body) mount();
    else document.addEventListener('DOMContentLoaded', mount);
  } catch {
    /* never break the host page */
  }
})();
