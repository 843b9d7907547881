// The time-to-interactive scenario's apps: a TodoMVC set built from installed packages (vue 3.5,
// preact 10 + htm, lit 3, svelte 5 compiled by the installed compiler, vanilla JS), plus variants
// real sites have: unbundled ES modules with several imports, a lazy import() chunk, and a page with
// web fonts, several stylesheets and images. Every app is styled by todomvc-app-css and has the same
// contract: an `input.new-todo` that adds a todo on Enter and renders it as `.todo-list label`.
// Built into a throwaway directory at bench start (esbuild, about a second); each app is served
// from its own origin by server.ts.
import { build } from 'esbuild';
import { compile } from 'svelte/compiler';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, crc32 } from 'node:zlib';
import { TTI_APPS } from '../lib/options.ts';

const require = createRequire(import.meta.url);
const SRC = fileURLToPath(new URL('./src/', import.meta.url));

export const APPS = TTI_APPS;
export type AppName = (typeof APPS)[number];

interface AppSpec {
  title: string;
  /** What goes into <head> after the stylesheet. */
  head: string;
  /** Markup inside <body> (the app mounts into section.todoapp). */
  body: string;
  build(out: string): Promise<void>;
}

const TODOAPP = '<section class="todoapp"></section>';
const bundle = (entry: string, out: string) =>
  build({
    entryPoints: [join(SRC, entry)],
    outfile: join(out, 'app.js'),
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'chrome110',
    conditions: ['svelte', 'browser'],
    define: { 'process.env.NODE_ENV': '"production"', __VUE_OPTIONS_API__: 'true', __VUE_PROD_DEVTOOLS__: 'false', __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false' },
    alias: { vue: require.resolve('vue/dist/vue.esm-browser.prod.js') },
    plugins: [sveltePlugIn],
    logLevel: 'warning',
  }).then(() => undefined);
const copy = (dir: string, files: string[], out: string) => {
  for (const f of files) copyFileSync(join(SRC, dir, f), join(out, f));
};
const moduleScript = '<script type="module" src="app.js"></script>';

const SPECS: Record<AppName, AppSpec> = {
  vanilla: { title: 'Vanilla JS', head: '', body: `${TODOAPP}<script src="app.js"></script>`, build: async (out) => copyFileSync(join(SRC, 'vanilla/app.js'), join(out, 'app.js')) },
  vue: { title: 'Vue 3.5', head: moduleScript, body: TODOAPP, build: (out) => bundle('vue/main.js', out) },
  preact: { title: 'Preact 10 + htm', head: moduleScript, body: TODOAPP, build: (out) => bundle('preact/main.js', out) },
  lit: { title: 'Lit 3', head: moduleScript, body: TODOAPP, build: (out) => bundle('lit/main.js', out) },
  svelte: { title: 'Svelte 5', head: moduleScript, body: TODOAPP, build: (out) => bundle('svelte/main.js', out) },
  esm: {
    title: 'ES modules (6 files, unbundled)',
    head: '<script type="module" src="main.js"></script>',
    body: TODOAPP,
    build: async (out) => copy('esm', ['main.js', 'store.js', 'util.js', 'dom.js', 'view.js', 'keys.js'], out),
  },
  lazy: {
    title: 'Lazy import()',
    head: '<script type="module" src="main.js"></script>',
    body: TODOAPP,
    build: async (out) => copy('lazy', ['main.js', 'todos.js', 'store.js', 'util.js', 'dom.js', 'view.js'], out),
  },
  assets: {
    title: 'Web fonts, 3 stylesheets, 5 images',
    head: '<link rel="stylesheet" href="theme.css"><link rel="stylesheet" href="layout.css">',
    body:
      '<div class="hero"></div>' +
      TODOAPP +
      '<div class="gallery">' +
      [1, 2, 3].map((i) => `<img src="img/photo-${i}.png" alt="Photo ${i}">`).join('') +
      '</div><script src="app.js"></script>',
    async build(out) {
      copy('assets', ['app.js', 'theme.css', 'layout.css'], out);
      mkdirSync(join(out, 'img'), { recursive: true });
      mkdirSync(join(out, 'fonts'), { recursive: true });
      writeFileSync(join(out, 'img/bg.png'), noisePng(64, 64, 1));
      writeFileSync(join(out, 'img/hero.png'), noisePng(400, 90, 2));
      for (const i of [1, 2, 3]) writeFileSync(join(out, `img/photo-${i}.png`), noisePng(160, 120, 10 + i));
      // Debian's DejaVu fonts (the two smallest, about 250 KB each) (a dependency of chromium's font stack); a font that is missing is
      // served as a 404, which the page survives like any site with a broken font URL.
      const fonts = '/usr/share/fonts/truetype/dejavu/';
      for (const [from, to] of [['DejaVuSansMono-Oblique.ttf', 'sans.ttf'], ['DejaVuSansMono-BoldOblique.ttf', 'sans-bold.ttf']]) {
        if (existsSync(fonts + from)) copyFileSync(fonts + from, join(out, 'fonts', to));
      }
    },
  },
};

/** Compiles .svelte files with the installed compiler (client output, runes inferred). */
const sveltePlugIn = {
  name: 'svelte',
  setup(b: { onLoad(o: { filter: RegExp }, cb: (a: { path: string }) => { contents: string; loader: 'js' }): void }) {
    b.onLoad({ filter: /\.svelte$/ }, (a) => {
      const r = compile(readFileSync(a.path, 'utf8'), { filename: a.path, generate: 'client', dev: false });
      return { contents: r.js.code, loader: 'js' };
    });
  },
};

export interface BuiltApp {
  name: AppName;
  title: string;
  dir: string;
  bytes: number;
}

/** Builds the given apps into out/<name>/ (index.html, index.css from todomvc-app-css, scripts, assets). */
export async function buildApps(out: string, names: readonly AppName[] = APPS): Promise<BuiltApp[]> {
  const shell = readFileSync(join(SRC, 'shell.html'), 'utf8');
  const css = require.resolve('todomvc-app-css/index.css');
  const built: BuiltApp[] = [];
  await Promise.all(
    names.map(async (name) => {
      const spec = SPECS[name];
      const dir = join(out, name);
      mkdirSync(dir, { recursive: true });
      await spec.build(dir);
      copyFileSync(css, join(dir, 'index.css'));
      const html = shell
        .replaceAll('%TITLE%', spec.title)
        .replace('%HEAD%', `<link rel="stylesheet" href="index.css">${spec.head}`)
        .replace('%BODY%', spec.body);
      writeFileSync(join(dir, 'index.html'), html);
      built.push({ name, title: spec.title, dir, bytes: dirBytes(dir) });
    }),
  );
  return names.map((n) => built.find((b) => b.name === n)!);
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += readFileSync(join(e.parentPath ?? dirname(dir), e.name)).length;
  }
  return n;
}

/** A deterministic, hardly compressible RGB PNG (so images weigh what photos do). */
function noisePng(w: number, h: number, seed: number): Buffer {
  let x = 2463534242 ^ seed;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1);
    raw[row] = 0;
    for (let i = 1; i <= w * 3; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      raw[row + i] = 128 + (((x >>> 0) % 64) | 0) + ((i * 7 + y * 3) % 64);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
