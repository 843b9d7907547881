// The visitor shell's HTML page: a pure string template (no Node or DOM APIs), rendered by the
// gateway at GET /v/<sessionId>. Everything interpolated is escaped; the config travels as JSON in
// <script type="application/json" id="cb-config">, read by shell.js.
import { CATALOGUES, DEFAULT_LOCALE, LOCALES, dirOf } from './i18n/locales.ts';
import { negotiateLocale, parseAcceptLanguage } from './i18n/negotiate.ts';

export interface ShellPageConfig {
  sessionId: string;
  /** Visitor WebSocket URL, `?sid=` included. */
  wsUrl: string;
  /** Where shell.js and shell-style.css are served, e.g. '/assets'. */
  assetBase: string;
  /** Proxy origins are `<scheme>://<26 base32 chars><proxyOriginSuffix>`, e.g. '.localhost:8081'. */
  proxyOriginSuffix: string;
  siteId: string;
  entryUrl: string;
  /** CSP nonce for the page's script and style elements. */
  nonce?: string;
  /** The shell URL's `lang` (from the hyperlink or embed snippet), if any. */
  lang?: string | null;
  /** The visitor's Accept-Language header. */
  acceptLanguage?: string | null;
}

/** What shell.js reads from #cb-config. */
export interface ShellClientConfig {
  sessionId: string;
  wsUrl: string;
  assetBase: string;
  proxyOriginSuffix: string;
  siteId: string;
  entryUrl: string;
  /** The Accept-Language the gateway saw (the shell's last hint before English). */
  acceptLanguage?: string;
}

const HTML_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESC[c]);
}

/** JSON safe inside a <script> element: no `</script>`, no `<!--`, no line separators. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function renderShellPage(cfg: ShellPageConfig): string {
  const base = cfg.assetBase.replace(/\/+$/, '');
  const client: ShellClientConfig = {
    sessionId: cfg.sessionId,
    wsUrl: cfg.wsUrl,
    assetBase: base,
    proxyOriginSuffix: cfg.proxyOriginSuffix,
    siteId: cfg.siteId,
    entryUrl: cfg.entryUrl,
    ...(cfg.acceptLanguage ? { acceptLanguage: cfg.acceptLanguage.slice(0, 500) } : {}),
  };
  // The shell sets the final lang/dir (it also knows navigator.languages); rendering the likely one
  // here means no flash of the wrong direction and a right <title> before the script runs.
  const { locale, formatLocale } = negotiateLocale([cfg.lang, ...parseAcceptLanguage(cfg.acceptLanguage)], LOCALES, DEFAULT_LOCALE);
  const nonce = cfg.nonce ? ` nonce="${escapeHtml(cfg.nonce)}"` : '';
  const back = /^https?:\/\//i.test(cfg.entryUrl) ? cfg.entryUrl : '';
  return `<!doctype html>
<html lang="${escapeHtml(formatLocale)}" dir="${dirOf(locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(CATALOGUES[locale]['page.title'])}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(base)}/shell-style.css"${nonce}>
<script type="application/json" id="cb-config"${nonce}>${jsonForScript(client)}</script>
<script src="${escapeHtml(base)}/shell.js" defer${nonce}></script>
</head>
<body class="cb-body">
<div id="cb-app" class="cb-app" data-session="${escapeHtml(cfg.sessionId)}">
<noscript><div class="cb-noscript"><p>Live help needs JavaScript.</p>${
    back ? `<p><a href="${escapeHtml(back)}" rel="noreferrer">Back to the page you were on</a></p>` : ''
  }</div></noscript>
</div>
</body>
</html>
`;
}
