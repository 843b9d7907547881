/**
 * Head injection. The injected markup must run before any page script, so it goes right after
 * `<head ...>` when the head start tag is the first real token; otherwise a `<head>` start tag is
 * synthesized in front of the first real token (no `</head>`: head elements that follow, like
 * `<title>` or `<meta charset>`, then stay in the head exactly as the parser would have put them).
 * Skipped as "not real": a BOM, whitespace, comments, doctype, processing instructions and the
 * `<html>` start tag.
 */
export function headInsertion(inject: string, wrap: boolean): string {
  return wrap ? '<head>' + inject : inject;
}

/** Index of the first character in html[start, end) that isn't a leading BOM or whitespace; -1 if none. */
export function firstContentIndex(html: string, start: number, end: number): number {
  let i = start;
  if (i === 0 && html.charCodeAt(0) === 0xfeff) i = 1;
  for (; i < end; i++) {
    const c = html.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d && c !== 0x0c) return i;
  }
  return -1;
}
