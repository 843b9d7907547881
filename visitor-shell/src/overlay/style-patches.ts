// CSS `url()` set by scripts: `el.style.backgroundImage = 'url(https://…)'`, `style.setProperty`,
// `style.cssText`, `sheet.insertRule`, `sheet.replace(Sync)`. Each is rewritten before the browser
// sees the value, so the image is fetched through the proxy and never directly. Only values that
// contain `url(` are touched; everything else passes as it is (style writes are hot).
type MapCss = (css: string) => string;

/** Style properties whose values may hold a url(). */
const URL_PROPS = [
  'background',
  'backgroundImage',
  'borderImage',
  'borderImageSource',
  'listStyle',
  'listStyleImage',
  'mask',
  'maskImage',
  'webkitMask',
  'webkitMaskImage',
  'content',
  'cursor',
  'shapeOutside',
];

const hasUrl = (v: unknown): v is string => typeof v === 'string' && /url\(/i.test(v);

export function installStylePatches(map: MapCss): void {
  const proto = CSSStyleDeclaration.prototype;
  for (const prop of URL_PROPS) {
    const d = Object.getOwnPropertyDescriptor(proto, prop);
    if (!d?.set || !d.configurable) continue;
    const set = d.set;
    Object.defineProperty(proto, prop, {
      ...d,
      set(this: CSSStyleDeclaration, v: unknown) {
        set.call(this, hasUrl(v) ? map(v) : v);
      },
    });
  }
  const setProperty = proto.setProperty;
  proto.setProperty = function (this: CSSStyleDeclaration, name: string, value: string | null, priority?: string) {
    return setProperty.call(this, name, hasUrl(value) ? map(value) : value, priority);
  };
  const css = Object.getOwnPropertyDescriptor(proto, 'cssText');
  if (css?.set && css.configurable) {
    const set = css.set;
    Object.defineProperty(proto, 'cssText', {
      ...css,
      set(this: CSSStyleDeclaration, v: unknown) {
        set.call(this, hasUrl(v) ? map(v) : v);
      },
    });
  }
  const sheet = CSSStyleSheet.prototype;
  const insertRule = sheet.insertRule;
  sheet.insertRule = function (this: CSSStyleSheet, rule: string, index?: number) {
    return insertRule.call(this, hasUrl(rule) ? map(rule) : rule, index);
  };
  const replaceSync = sheet.replaceSync;
  if (replaceSync) {
    sheet.replaceSync = function (this: CSSStyleSheet, text: string) {
      return replaceSync.call(this, hasUrl(text) ? map(text) : text);
    };
  }
  const replace = sheet.replace;
  if (replace) {
    sheet.replace = function (this: CSSStyleSheet, text: string) {
      return replace.call(this, hasUrl(text) ? map(text) : text);
    };
  }
}
