// The page a party sees in the co-browse frame when the proxy cannot show a target: a clear
// message, a way out (open the page directly), and a `problem` message to the embedding window so
// the shell and console can say it too. Never a white screen, never a hang.
import { escapeHtml } from '../http/respond.ts';

export function errorPage(opts: { code: string; title: string; message: string; url?: string; parentOrigin: string }): string {
  const data = JSON.stringify({ cb: 1, type: 'problem', code: opts.code, message: opts.message, url: opts.url }).replace(/</g, '\\u003c');
  const link = opts.url && /^https?:/i.test(opts.url)
    ? `<p><a href="${escapeHtml(opts.url)}" target="_blank" rel="noopener noreferrer">Open the page directly</a></p>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(opts.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;color:#1f2933;background:#f7f8fa;margin:0;display:grid;place-items:center;min-height:100vh}
main{max-width:32rem;padding:2rem;background:#fff;border:1px solid #d9dee5;border-radius:12px}h1{font-size:1.25rem;margin:0 0 .5rem}code{color:#6b7280}</style></head>
<body><main data-testid="proxy-error"><h1>${escapeHtml(opts.title)}</h1><p>${escapeHtml(opts.message)}</p>
${opts.url ? `<p><code>${escapeHtml(opts.url)}</code></p>` : ''}${link}<p><code>${escapeHtml(opts.code)}</code></p></main>
<script>try{parent!==window&&parent.postMessage(${data},${JSON.stringify(opts.parentOrigin)})}catch(e){}</script></body></html>`;
}
