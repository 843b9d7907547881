// Shared layout and stylesheet of the demo shop. Self-hosted CSS, system fonts, no external assets.
import { esc } from './html.ts';

export interface PageContext {
  /** Absolute URL of the current page as the visitor sees it (built from the request's Host). */
  pageUrl: string;
  gatewayUrl: string;
  siteId: string;
  cartCount: number;
  /** Path of the current page, to highlight the nav entry. */
  path: string;
}

/** The "Talk to a live agent" link: a plain hyperlink to the gateway, no script needed. */
export function talkHref(ctx: PageContext): string {
  return `${ctx.gatewayUrl}/start?site=${encodeURIComponent(ctx.siteId)}&url=${encodeURIComponent(ctx.pageUrl)}`;
}

const NAV: Array<[string, string]> = [
  ['/', 'Home'],
  ['/products', 'Products'],
  ['/long', 'Journal'],
  ['/contact', 'Contact'],
];

function navLink(ctx: PageContext, href: string, label: string): string {
  const current = href === '/' ? ctx.path === '/' : ctx.path === href || ctx.path.startsWith(`${href}/`);
  return `<a href="${esc(href)}"${current ? ' aria-current="page"' : ''}>${esc(label)}</a>`;
}

export function layout(ctx: PageContext, title: string, main: string, opts: { extraFoot?: string } = {}): string {
  const cartLabel = ctx.cartCount > 0 ? `Cart (${ctx.cartCount})` : 'Cart';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Lumen Supply Co.</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
  <div class="wrap header-row">
    <a class="brand" href="/" aria-label="Lumen Supply Co. home"><span class="brand-mark" aria-hidden="true">L</span><span>Lumen<span class="brand-rest"> Supply Co.</span></span></a>
    <nav class="main-nav" aria-label="Main">
      ${NAV.map(([h, l]) => navLink(ctx, h, l)).join('\n      ')}
      <a href="/cart" data-testid="cart-link"${ctx.path === '/cart' ? ' aria-current="page"' : ''}>${esc(cartLabel)}</a>
    </nav>
    <a class="btn btn-agent" data-testid="talk-to-agent" href="${esc(talkHref(ctx))}">Talk to a live agent</a>
  </div>
</header>
<main id="main" class="wrap">
${main}
</main>
<footer class="site-footer">
  <div class="wrap footer-row">
    <p>Lumen Supply Co. is a demo shop for the co-browsing gateway. Nothing here is for sale.</p>
    <p><a href="/contact">Contact us</a> · <a href="/long#section-12">Shipping &amp; returns</a> · <a href="/cart">Your cart</a></p>
  </div>
</footer>
${opts.extraFoot ?? ''}
</body>
</html>
`;
}

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#1f3a5f"/><text x="16" y="22" font-family="Georgia,serif" font-size="18" fill="#f4b942" text-anchor="middle">L</text></svg>`;

export const SITE_CSS = `*,*::before,*::after{box-sizing:border-box}
:root{--ink:#1c2430;--muted:#5d6878;--line:#e3e7ee;--bg:#f7f8fa;--card:#fff;--brand:#1f3a5f;--accent:#f4b942;--agent:#0f7b5f;--radius:14px;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg);line-height:1.55}
body{margin:0}
a{color:var(--brand)}
img,svg{max-width:100%;display:block}
.wrap{max-width:1080px;margin:0 auto;padding:0 20px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:8px 12px;z-index:10}
.skip:focus{left:8px}
.site-header{background:var(--brand);color:#fff;box-shadow:0 2px 10px rgba(0,0,0,.08)}
.header-row{display:flex;align-items:center;gap:20px;min-height:64px;flex-wrap:wrap;padding-top:8px;padding-bottom:8px}
.brand{display:flex;align-items:center;gap:10px;color:#fff;text-decoration:none;font-weight:700;font-size:1.1rem;letter-spacing:.2px}
.brand-mark{display:inline-grid;place-items:center;width:34px;height:34px;border-radius:9px;background:var(--accent);color:var(--brand);font-family:Georgia,serif;font-size:1.2rem}
.main-nav{display:flex;gap:4px;flex-wrap:wrap;flex:1}
.main-nav a{color:#dfe8f3;text-decoration:none;padding:8px 12px;border-radius:8px;font-size:.95rem}
.main-nav a:hover{background:rgba(255,255,255,.1);color:#fff}
.main-nav a[aria-current=page]{background:rgba(255,255,255,.16);color:#fff}
.btn{display:inline-flex;align-items:center;justify-content:center;gap:8px;border:0;border-radius:10px;padding:10px 16px;font:inherit;font-weight:600;cursor:pointer;text-decoration:none;background:var(--brand);color:#fff}
.btn:hover{filter:brightness(1.08)}
.btn:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #8fb8ea;outline-offset:2px}
.btn-agent{background:var(--agent);color:#fff;white-space:nowrap}
.btn-agent::before{content:"";width:9px;height:9px;border-radius:50%;background:#7dffc8;box-shadow:0 0 0 3px rgba(125,255,200,.25)}
.btn-light{background:#eef2f7;color:var(--brand)}
.btn-accent{background:var(--accent);color:var(--brand)}
main.wrap{padding-top:28px;padding-bottom:56px;min-height:60vh}
h1{font-size:2rem;line-height:1.2;margin:.2em 0 .4em}
h2{font-size:1.35rem;margin:1.4em 0 .5em}
.lead{font-size:1.1rem;color:var(--muted);max-width:60ch}
.hero{display:grid;grid-template-columns:1.2fr 1fr;gap:32px;align-items:center;background:linear-gradient(135deg,#fff 0%,#eef3fa 100%);border:1px solid var(--line);border-radius:20px;padding:36px;margin-bottom:32px}
.hero-art{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.hero-actions{display:flex;gap:12px;flex-wrap:wrap;margin-top:20px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:20px}
.card{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);overflow:hidden;display:flex;flex-direction:column;transition:box-shadow .15s,transform .15s}
.card:hover{box-shadow:0 10px 24px rgba(20,40,70,.1);transform:translateY(-2px)}
.card-body{padding:14px 16px 18px;display:flex;flex-direction:column;gap:6px;flex:1}
.card h3{margin:0;font-size:1.05rem}
.card h3 a{text-decoration:none;color:var(--ink)}
.card h3 a::after{content:"";position:absolute;inset:0}
.card{position:relative}
.price{font-weight:700;color:var(--brand)}
.muted{color:var(--muted)}
.product{display:grid;grid-template-columns:1fr 1fr;gap:36px;align-items:start}
.product-art{background:var(--card);border:1px solid var(--line);border-radius:20px;padding:16px}
.product .price{font-size:1.5rem}
.buy{display:flex;gap:12px;align-items:end;flex-wrap:wrap;margin:20px 0}
label{font-weight:600;font-size:.92rem;display:block;margin-bottom:4px}
input[type=text],input[type=email],input[type=password],input[type=tel],input:not([type]),select,textarea{width:100%;font:inherit;padding:10px 12px;border:1px solid #c9d1dc;border-radius:10px;background:#fff;color:var(--ink)}
textarea{min-height:120px;resize:vertical}
.field{margin-bottom:16px}
.field-row{display:grid;grid-template-columns:1fr 1fr;gap:16px}
fieldset{border:1px solid var(--line);border-radius:12px;padding:12px 16px;margin:0 0 16px}
legend{font-weight:600;font-size:.92rem;padding:0 6px}
.choice{display:flex;gap:8px;align-items:center;font-weight:400;margin:4px 0}
.panel{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:24px}
.form-grid{display:grid;grid-template-columns:2fr 1fr;gap:28px;align-items:start}
.hint{font-size:.85rem;color:var(--muted);margin:4px 0 0}
.cart-table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line);border-radius:var(--radius);overflow:hidden}
.cart-table th,.cart-table td{padding:12px 14px;border-bottom:1px solid var(--line);text-align:left}
.cart-table td.num,.cart-table th.num{text-align:right}
.cart-actions{display:flex;gap:12px;justify-content:flex-end;margin-top:16px;flex-wrap:wrap}
.empty{text-align:center;padding:48px 20px}
.toc{columns:3 180px;background:#fff;border:1px solid var(--line);border-radius:var(--radius);padding:16px 24px;margin:0 0 28px}
.toc a{display:block;padding:2px 0}
.section{min-height:300px;background:#fff;border:1px solid var(--line);border-radius:var(--radius);padding:4px 28px 20px;margin:0 0 24px;scroll-margin-top:16px}
.section:nth-child(even){background:#fbfcfe}
.scroll-box{height:220px;overflow:auto;border:1px solid var(--line);border-radius:10px;padding:0 16px;background:#fdfdfd}
.scroll-box h3{margin:1em 0 .3em;font-size:1rem}
.snippet{background:#0f1b2b;color:#d7e3f4;border-radius:12px;padding:16px;overflow:auto;font-size:.85rem}
.owner{margin-top:36px}
.notice{background:#eaf6f1;border:1px solid #bfe3d4;border-radius:12px;padding:14px 18px}
.site-footer{border-top:1px solid var(--line);background:#fff;color:var(--muted);font-size:.9rem}
.footer-row{display:flex;justify-content:space-between;gap:16px;flex-wrap:wrap;padding-top:18px;padding-bottom:18px}
.footer-row p{margin:0}
@media (max-width:760px){
  .hero,.product,.form-grid,.field-row{grid-template-columns:1fr}
  .hero{padding:22px}
  h1{font-size:1.6rem}
  main.wrap{padding-top:20px}
  .header-row{gap:6px 12px;min-height:56px;padding-bottom:4px}
  .main-nav{order:3;flex-basis:100%;flex-wrap:nowrap;overflow-x:auto;margin:0 -10px;scrollbar-width:none}
  .main-nav a{padding:6px 10px;white-space:nowrap}
  .btn-agent{margin-left:auto;padding:8px 12px;font-size:.88rem}
}
@media (max-width:460px){.brand-rest{display:none}}
`;
