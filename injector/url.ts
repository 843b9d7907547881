import type { MapUrl, UrlKind } from './types.ts';

// Browsers strip these anywhere in a URL before parsing, so `ht\ntp://x` is still http://x.
const TAB_OR_NEWLINE = /[\t\n\r]/g;

function isSchemeChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2b || // +
    c === 0x2d || // -
    c === 0x2e // .
  );
}

function isAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

/** Leading/trailing C0 controls and spaces are ignored by the URL parser. */
function trimC0(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 0x20) a++;
  while (b > a && s.charCodeAt(b - 1) <= 0x20) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Returns the absolute http(s) URL `value` points to when the browser would NOT resolve it
 * against the proxy origin by itself (absolute http(s) or scheme-relative), else null.
 * Relative references are left to the browser on purpose: the proxy keeps paths, so they
 * already land on the right proxy URL.
 */
export function externalHttpUrl(value: string, base: string): string | null {
  if (value.length === 0) return null;
  let v = value;
  const c = v.charCodeAt(0);
  // Fast exit for the common relative cases (`#top`, `?q`, `./x`).
  if (c > 0x20 && c !== 0x2f && c !== 0x5c && !isAlpha(c)) return null;
  if (c <= 0x20 || v.charCodeAt(v.length - 1) <= 0x20) v = trimC0(v);
  switch (classify(v)) {
    case RELATIVE:
      return null;
    case RETRY:
      v = v.replace(TAB_OR_NEWLINE, '');
      if (classify(v) !== EXTERNAL) return null;
  }
  let u: URL;
  try {
    u = new URL(v, base);
  } catch {
    // An unusable base (bad pageUrl) must not stop absolute URLs from being mapped.
    try {
      u = new URL(v);
    } catch {
      return null;
    }
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  return u.href;
}

const RELATIVE = 0;
const EXTERNAL = 1;
/** A tab or newline sits where it could change the verdict; strip them and look again. */
const RETRY = 2;

function isTabOrNewline(c: number): boolean {
  return c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Absolute http(s) or scheme-relative? Looks only at the scheme / leading slashes. */
function classify(v: string): number {
  if (v.length < 2) return RELATIVE;
  const c = v.charCodeAt(0);
  if (c === 0x2f || c === 0x5c) {
    // Browsers treat `\` like `/` for special schemes, so `\\host` is scheme-relative too.
    const d = v.charCodeAt(1);
    if (d === 0x2f || d === 0x5c) return EXTERNAL;
    return isTabOrNewline(d) ? RETRY : RELATIVE;
  }
  if (!isAlpha(c)) return RELATIVE;
  let i = 1;
  let d = 0;
  while (i < v.length && isSchemeChar((d = v.charCodeAt(i)))) i++;
  if (i >= v.length) return RELATIVE;
  if (d !== 0x3a /* : */) return isTabOrNewline(d) ? RETRY : RELATIVE;
  if (i === 4) return v.slice(0, 4).toLowerCase() === 'http' ? EXTERNAL : RELATIVE;
  if (i === 5) return v.slice(0, 5).toLowerCase() === 'https' ? EXTERNAL : RELATIVE;
  return RELATIVE;
}

/** The replacement for one URL value, or null when it stays as it is. */
export function mapOne(value: string, base: string, kind: UrlKind, mapUrl: MapUrl): string | null {
  const abs = externalHttpUrl(value, base);
  if (abs === null) return null;
  const mapped = mapUrl(abs, kind);
  return mapped === null || mapped === value ? null : mapped;
}

/** `base` resolved like a document URL; falls back to `fallback` when it doesn't parse. */
export function resolveBase(href: string, fallback: string): string {
  try {
    return new URL(trimC0(href).replace(TAB_OR_NEWLINE, ''), fallback).href;
  } catch {
    return fallback;
  }
}
