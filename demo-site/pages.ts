// Server-rendered pages of the demo shop. Pure functions of their inputs: no time, no randomness.
import { esc, money } from './html.ts';
import { layout, type PageContext } from './layout.ts';
import { PRODUCTS, PRODUCT_BY_SLUG, type Product } from './products.ts';

export type Cart = Array<{ slug: string; qty: number }>;

function productCard(p: Product): string {
  return `<article class="card" data-testid="product-card">
  <div class="card-art">${p.svg}</div>
  <div class="card-body">
    <h3><a href="/products/${esc(p.slug)}">${esc(p.name)}</a></h3>
    <p class="muted">${esc(p.tagline)}</p>
    <p class="price">${esc(money(p.priceCents))}</p>
  </div>
</article>`;
}

export function homePage(ctx: PageContext): string {
  const featured = PRODUCTS.slice(0, 3);
  const snippet = `<script src="${esc(ctx.gatewayUrl)}/embed.js" data-site="${esc(ctx.siteId)}" async></script>`;
  const main = `<section class="hero">
  <div>
    <h1>Well-made things for everyday rooms</h1>
    <p class="lead">Lamps, mugs, bags and blankets, chosen to last. Not sure what fits? An agent can look at this page with you and help in real time.</p>
    <div class="hero-actions">
      <a class="btn" href="/products">Browse products</a>
      <a class="btn btn-light" href="/contact">Ask a question</a>
    </div>
  </div>
  <div class="hero-art" aria-hidden="true">${PRODUCTS.slice(0, 4)
    .map((p) => `<div>${p.svg}</div>`)
    .join('')}</div>
</section>
<h2 id="featured">Featured</h2>
<div class="grid">
${featured.map(productCard).join('\n')}
</div>
<section class="owner" id="site-owners" aria-labelledby="owners-title">
  <h2 id="owners-title">For site owners: the one-line snippet</h2>
  <p class="muted">Every page of this shop carries a plain <strong>Talk to a live agent</strong> link in the header. Sites can instead add one line, which renders a floating button (bottom right of this page):</p>
  <pre class="snippet"><code>${esc(snippet)}</code></pre>
</section>`;
  return layout(ctx, 'Home', main, { extraFoot: snippet });
}

export function productsPage(ctx: PageContext): string {
  const main = `<h1>All products</h1>
<p class="lead">${PRODUCTS.length} products, shipped from our workshop in two to four working days.</p>
<div class="grid">
${PRODUCTS.map(productCard).join('\n')}
</div>`;
  return layout(ctx, 'Products', main);
}

export function productPage(ctx: PageContext, p: Product): string {
  const others = PRODUCTS.filter((o) => o.slug !== p.slug).slice(0, 3);
  const main = `<p><a href="/products">← All products</a></p>
<article class="product" data-testid="product">
  <div class="product-art">${p.svg}</div>
  <div>
    <h1>${esc(p.name)}</h1>
    <p class="lead">${esc(p.tagline)}</p>
    <p class="price" data-testid="price">${esc(money(p.priceCents))}</p>
    <p>${esc(p.description)}</p>
    <form class="buy" method="post" action="/cart/add">
      <input type="hidden" name="slug" value="${esc(p.slug)}">
      <div>
        <label for="qty">Quantity</label>
        <select id="qty" name="qty">${[1, 2, 3, 4, 5].map((n) => `<option value="${n}">${n}</option>`).join('')}</select>
      </div>
      <button class="btn btn-accent" type="submit" data-testid="add-to-cart">Add to cart</button>
    </form>
    <h2>Details</h2>
    <ul>${p.details.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>
  </div>
</article>
<h2>You may also like</h2>
<div class="grid">
${others.map(productCard).join('\n')}
</div>`;
  return layout(ctx, p.name, main);
}

export function cartPage(ctx: PageContext, cart: Cart): string {
  const lines = cart.flatMap((l) => {
    const p = PRODUCT_BY_SLUG.get(l.slug);
    return p ? [{ p, qty: l.qty }] : [];
  });
  let main: string;
  if (lines.length === 0) {
    main = `<h1>Your cart</h1>
<div class="panel empty" data-testid="cart-empty">
  <p class="lead" style="margin:0 auto 16px">Your cart is empty.</p>
  <a class="btn" href="/products">Browse products</a>
</div>`;
  } else {
    const total = lines.reduce((s, l) => s + l.p.priceCents * l.qty, 0);
    main = `<h1>Your cart</h1>
<table class="cart-table" data-testid="cart-table">
  <thead><tr><th scope="col">Product</th><th scope="col" class="num">Quantity</th><th scope="col" class="num">Price</th></tr></thead>
  <tbody>
${lines
  .map(
    (l) =>
      `    <tr data-testid="cart-line" data-slug="${esc(l.p.slug)}"><td><a href="/products/${esc(l.p.slug)}">${esc(l.p.name)}</a></td><td class="num">${l.qty}</td><td class="num">${esc(money(l.p.priceCents * l.qty))}</td></tr>`,
  )
  .join('\n')}
  </tbody>
  <tfoot><tr><th scope="row" colspan="2">Total</th><td class="num" data-testid="cart-total"><strong>${esc(money(total))}</strong></td></tr></tfoot>
</table>
<div class="cart-actions">
  <form method="post" action="/cart/clear"><button class="btn btn-light" type="submit" data-testid="cart-clear">Empty cart</button></form>
  <a class="btn btn-accent" href="/contact?topic=order">Check out with an agent</a>
</div>`;
  }
  return layout(ctx, 'Cart', main);
}

export function longPage(ctx: PageContext): string {
  const sections = Array.from({ length: 24 }, (_, i) => {
    const n = i + 1;
    const paras = [0, 1, 2]
      .map(
        (k) =>
          `<p>Entry ${n}.${k + 1}: ${esc(LOREM[(n + k) % LOREM.length])} ${esc(LOREM[(n * 3 + k) % LOREM.length])}</p>`,
      )
      .join('');
    const extra =
      n === 6
        ? `<div class="scroll-box" id="terms-box" tabindex="0" aria-label="Terms, scrollable">${Array.from(
            { length: 12 },
            (_, k) => `<h3 id="term-${k + 1}">Term ${k + 1}</h3><p>${esc(LOREM[k % LOREM.length])}</p>`,
          ).join('')}</div>`
        : '';
    return `<section class="section" id="section-${n}" aria-labelledby="section-${n}-title">
  <h2 id="section-${n}-title">${n}. ${esc(TOPICS[i % TOPICS.length])}</h2>
  ${paras}${extra}
</section>`;
  });
  const main = `<h1>The Lumen journal</h1>
<p class="lead">Care guides, materials and the story behind our products. A long page, handy for trying scroll sync.</p>
<nav class="toc" aria-label="Sections">
${Array.from({ length: 24 }, (_, i) => `<a href="#section-${i + 1}">${i + 1}. ${esc(TOPICS[i % TOPICS.length])}</a>`).join('\n')}
</nav>
<div class="sections">
${sections.join('\n')}
</div>
<p><a href="#main">Back to top</a></p>`;
  return layout(ctx, 'Journal', main);
}

const TOPIC_CHOICES: Array<[string, string]> = [
  ['general', 'General question'],
  ['order', 'An order'],
  ['returns', 'Returns and refunds'],
  ['wholesale', 'Wholesale'],
];

export function contactPage(ctx: PageContext, topic: string | null): string {
  const selected = TOPIC_CHOICES.some(([v]) => v === topic) ? topic : 'general';
  const main = `<h1>Contact us</h1>
<div class="form-grid">
<form class="panel" method="post" action="/contact" data-testid="contact-form">
  <div class="field-row">
    <div class="field"><label for="name">Your name</label><input id="name" name="name" type="text" autocomplete="name" required data-testid="contact-name"></div>
    <div class="field"><label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" required data-testid="contact-email"></div>
  </div>
  <div class="field">
    <label for="topic">Topic</label>
    <select id="topic" name="topic" data-testid="contact-topic">${TOPIC_CHOICES.map(
      ([v, l]) => `<option value="${esc(v)}"${v === selected ? ' selected' : ''}>${esc(l)}</option>`,
    ).join('')}</select>
  </div>
  <div class="field"><label for="message">Message</label><textarea id="message" name="message" rows="5" data-testid="contact-message"></textarea></div>
  <fieldset>
    <legend>How should we reply?</legend>
    <label class="choice"><input type="radio" name="reply" value="email" checked data-testid="reply-email"> By email</label>
    <label class="choice"><input type="radio" name="reply" value="phone" data-testid="reply-phone"> By phone</label>
  </fieldset>
  <div class="field"><label class="choice"><input type="checkbox" id="newsletter" name="newsletter" value="yes" data-testid="contact-newsletter"> Send me the monthly newsletter</label></div>
  <div class="field-row">
    <div class="field"><label for="password">Account password</label><input id="password" name="password" type="password" autocomplete="current-password" data-testid="contact-password"><p class="hint">Only if you want us to look at your account.</p></div>
    <div class="field"><label for="card">Card number</label><input id="card" name="card" type="text" inputmode="numeric" autocomplete="cc-number" data-testid="contact-card"><p class="hint">For refunds to a card. Never shown to agents.</p></div>
  </div>
  <div class="field" data-cb-mask><label for="order-ref">Order reference (private)</label><input id="order-ref" name="orderRef" type="text" data-testid="contact-order-ref"><p class="hint">Marked <code>data-cb-mask</code>: agents see that you typed, not what.</p></div>
  <button class="btn" type="submit" data-testid="contact-submit">Send message</button>
</form>
<aside class="notice">
  <h2 style="margin-top:0">Prefer to talk?</h2>
  <p>Our agents can see this page with you and help fill it in. Passwords and card numbers are masked: they never leave your device.</p>
</aside>
</div>`;
  return layout(ctx, 'Contact', main);
}

export function thankYouPage(ctx: PageContext, name: string, topic: string): string {
  const topicLabel = TOPIC_CHOICES.find(([v]) => v === topic)?.[1] ?? 'General question';
  const main = `<div class="panel" data-testid="thank-you">
  <h1>Thank you${name ? `, ${esc(name)}` : ''}!</h1>
  <p class="lead">We received your message about “${esc(topicLabel)}” and will reply within one working day.</p>
  <p><a class="btn" href="/products">Keep browsing</a></p>
</div>`;
  return layout(ctx, 'Thank you', main);
}

export function notFoundPage(ctx: PageContext): string {
  return layout(
    ctx,
    'Not found',
    `<div class="panel empty"><h1>Page not found</h1><p class="lead" style="margin:0 auto 16px">There is nothing at ${esc(ctx.path)}.</p><a class="btn" href="/">Go home</a></div>`,
  );
}

const TOPICS = [
  'Caring for linen shades',
  'Why stoneware chips less',
  'Recycled nylon, explained',
  'Merino through the seasons',
  'Packing light for a weekend',
  'Our terms, in plain words',
  'How we pick our makers',
  'Warm light and good sleep',
  'Washing wool without tears',
  'Choosing the right mug size',
  'Batteries that last',
  'Shipping and returns',
];

const LOREM = [
  'Good materials age well: the first scratch tells a story, the tenth becomes patina.',
  'We test every product for a season at home before it joins the catalogue.',
  'Small workshops let us ask for changes, like a longer cable or a deeper pocket.',
  'Wash cold, dry flat and keep away from direct heat to keep the fibres soft.',
  'Most parcels travel by rail for the longest part of their journey.',
  'If something breaks in normal use, we repair it or send a replacement part.',
  'The glaze is fired twice, which makes the surface harder and easier to clean.',
  'A warm colour temperature in the evening helps the eyes relax before sleep.',
];
