export type UrlKind = 'navigation' | 'resource' | 'style' | 'script' | 'frame' | 'form';

/**
 * Maps an absolute real http(s) URL to the URL the browser should use (proxy URL).
 * Returns null to leave the attribute unchanged. Pure from the injector's point of view.
 */
export type MapUrl = (absoluteUrl: string, kind: UrlKind) => string | null;

export interface RewriteContext {
  /** Real URL of the document being rewritten (e.g. https://shop.example/a/b.html). */
  pageUrl: string;
  /**
   * Maps an absolute real http(s) URL to the URL the browser should use (proxy URL).
   * Returns null to leave the attribute unchanged. Pure from the injector's point of view.
   * Receives normalized URLs (`new URL(...).href`), with fragment.
   */
  mapUrl: MapUrl;
  /** HTML inserted as the first thing inside <head> (created if missing, before any page script). */
  injectHead?: string;
}

export interface CssContext {
  /** Real URL that relative references in the CSS resolve against (stylesheet URL or document base). */
  baseUrl: string;
  mapUrl: MapUrl;
}
