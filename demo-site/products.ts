// The demo shop's catalogue. Static and deterministic: both co-browse parties must see the same page.

export interface Product {
  slug: string;
  name: string;
  priceCents: number;
  tagline: string;
  description: string;
  details: string[];
  colour: string;
  /** Inline SVG illustration (trusted, authored here). */
  svg: string;
}

const frame = (bg: string, body: string) =>
  `<svg viewBox="0 0 240 180" xmlns="http://www.w3.org/2000/svg" role="img" aria-hidden="true" focusable="false">` +
  `<rect width="240" height="180" rx="14" fill="${bg}"/>${body}</svg>`;

export const PRODUCTS: Product[] = [
  {
    slug: 'aurora-desk-lamp',
    name: 'Aurora Desk Lamp',
    priceCents: 6400,
    tagline: 'Warm, dimmable light for late evenings.',
    description:
      'A slim aluminium arm with a linen shade and a three-step dimmer. The weighted base keeps it steady on any desk, and the warm 2700K bulb is easy on the eyes.',
    details: ['Aluminium and linen', 'Height 48 cm', 'Three brightness levels', 'Bulb included'],
    colour: '#f4b942',
    svg: frame(
      '#fff4dc',
      '<ellipse cx="120" cy="158" rx="46" ry="8" fill="#e3cfa1"/><rect x="114" y="70" width="12" height="86" rx="5" fill="#5b6472"/>' +
        '<path d="M78 74 L162 74 L142 30 L98 30 Z" fill="#f4b942"/><circle cx="120" cy="86" r="9" fill="#ffe9a8"/>' +
        '<path d="M92 92 L70 120 M148 92 L170 120 M120 100 L120 126" stroke="#f4b942" stroke-width="4" stroke-linecap="round" opacity=".45"/>',
    ),
  },
  {
    slug: 'drift-ceramic-mug',
    name: 'Drift Ceramic Mug',
    priceCents: 1800,
    tagline: 'Hand-glazed stoneware, 350 ml.',
    description:
      'Each mug is thrown and glazed by hand, so the speckled sea-green finish varies a little from piece to piece. Dishwasher and microwave safe.',
    details: ['Stoneware', '350 ml', 'Dishwasher safe', 'Made in Portugal'],
    colour: '#3aa6a0',
    svg: frame(
      '#e3f4f2',
      '<rect x="72" y="52" width="84" height="96" rx="12" fill="#3aa6a0"/><path d="M156 72 q34 0 34 30 q0 30 -34 30" fill="none" stroke="#3aa6a0" stroke-width="12"/>' +
        '<rect x="72" y="52" width="84" height="16" rx="8" fill="#2d8a85"/><path d="M96 36 q8 -10 0 -20 M116 36 q8 -10 0 -20 M136 36 q8 -10 0 -20" stroke="#9fcfcb" stroke-width="4" fill="none" stroke-linecap="round"/>',
    ),
  },
  {
    slug: 'summit-backpack',
    name: 'Summit Backpack',
    priceCents: 11900,
    tagline: 'A 28-litre pack for city and trail.',
    description:
      'Water-resistant recycled nylon, a padded laptop sleeve and hidden passport pocket. The ventilated back panel keeps you cool on long walks.',
    details: ['28 litres', 'Fits 16" laptops', 'Recycled nylon', 'Lifetime warranty'],
    colour: '#d9534f',
    svg: frame(
      '#fbe4e3',
      '<rect x="74" y="40" width="92" height="116" rx="26" fill="#d9534f"/><rect x="88" y="94" width="64" height="42" rx="10" fill="#b8403c"/>' +
        '<path d="M100 40 q20 -26 40 0" fill="none" stroke="#8c2f2c" stroke-width="8"/><rect x="112" y="104" width="16" height="6" rx="3" fill="#fbe4e3"/>',
    ),
  },
  {
    slug: 'tide-wool-throw',
    name: 'Tide Wool Throw',
    priceCents: 8900,
    tagline: 'Soft merino blanket in ocean stripes.',
    description:
      'Woven from fine merino wool in a wave pattern. Generous enough for a sofa, light enough for summer nights. Ships folded in a reusable cotton bag.',
    details: ['100% merino wool', '130 × 170 cm', 'Hand wash cold', 'Reusable cotton bag'],
    colour: '#3b6fb6',
    svg: frame(
      '#e2ebf7',
      '<rect x="46" y="44" width="148" height="100" rx="10" fill="#3b6fb6"/>' +
        '<path d="M46 70 q18 -12 37 0 t37 0 t37 0 t37 0 M46 96 q18 -12 37 0 t37 0 t37 0 t37 0 M46 122 q18 -12 37 0 t37 0 t37 0 t37 0" stroke="#cfe0f5" stroke-width="6" fill="none"/>',
    ),
  },
  {
    slug: 'echo-speaker',
    name: 'Echo Wireless Speaker',
    priceCents: 14900,
    tagline: 'Room-filling sound, 20 hours of play.',
    description:
      'A compact speaker with a fabric grille, Bluetooth 5.3 and a battery that lasts a weekend. Pair two for stereo sound.',
    details: ['Bluetooth 5.3', '20 h battery', 'USB-C charging', 'Splash resistant'],
    colour: '#6b5bd2',
    svg: frame(
      '#ebe8fb',
      '<rect x="80" y="30" width="80" height="124" rx="22" fill="#6b5bd2"/><circle cx="120" cy="112" r="26" fill="#4e40a8"/><circle cx="120" cy="112" r="10" fill="#b9b0f0"/>' +
        '<circle cx="120" cy="62" r="12" fill="#4e40a8"/><circle cx="120" cy="62" r="4" fill="#b9b0f0"/>',
    ),
  },
];

export const PRODUCT_BY_SLUG = new Map(PRODUCTS.map((p) => [p.slug, p]));
