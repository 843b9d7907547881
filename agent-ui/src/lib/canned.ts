// Canned responses in the composer: typing "/" and a shortcut (at the caret) suggests matches; Tab
// or Enter replaces the "/shortcut" token with the response's text. Pure functions, unit-tested in
// test/unit/agent-ui/canned.test.ts.

export interface SlashToken {
  /** Index of the "/" in the text. */
  start: number;
  /** Index just after the token (the caret, or the end of a word the caret is inside). */
  end: number;
  /** What follows the "/", lower-cased ('' right after typing "/"). */
  query: string;
}

const WORD = /[a-z0-9_-]/i;

/**
 * The "/shortcut" token the caret is in or right after, or null. The "/" must start the text or
 * follow whitespace, so URLs and fractions ("1/2", "https://…") never trigger suggestions.
 */
export function slashToken(text: string, caret: number = text.length): SlashToken | null {
  const at = Math.max(0, Math.min(caret, text.length));
  let start = at;
  while (start > 0 && WORD.test(text[start - 1])) start--;
  if (start === 0 || text[start - 1] !== '/') return null;
  const slash = start - 1;
  if (slash > 0 && !/\s/.test(text[slash - 1])) return null;
  let end = at;
  while (end < text.length && WORD.test(text[end])) end++;
  const query = text.slice(start, end).toLowerCase();
  if (query.length > 32) return null;
  return { start: slash, end, query };
}

/** Shortcuts starting with the query first (alphabetical), then those merely containing it. */
export function matchCanned<T extends { shortcut: string }>(items: readonly T[], query: string, limit = 6): T[] {
  const q = query.toLowerCase();
  const byShortcut = (a: T, b: T) => a.shortcut.localeCompare(b.shortcut);
  const prefix = items.filter((i) => i.shortcut.toLowerCase().startsWith(q)).sort(byShortcut);
  const inner = q ? items.filter((i) => !i.shortcut.toLowerCase().startsWith(q) && i.shortcut.toLowerCase().includes(q)).sort(byShortcut) : [];
  return [...prefix, ...inner].slice(0, limit);
}

/** Replaces the token with `insert`; the caret goes right after the inserted text. */
export function applyCanned(text: string, token: SlashToken, insert: string): { text: string; caret: number } {
  const before = text.slice(0, token.start);
  const after = text.slice(token.end);
  return { text: before + insert + after, caret: before.length + insert.length };
}

/** Why a new canned response cannot be saved, or null. Mirrors the gateway's checks. */
export function cannedProblem(shortcut: string, text: string, existing: readonly { shortcut: string }[] = []): string | null {
  const s = shortcut.trim().replace(/^\//, '');
  if (!s) return 'Give it a shortcut, e.g. "hello".';
  if (!/^[a-z0-9_-]{1,32}$/i.test(s)) return 'Shortcuts use letters, digits, "-" and "_" only (up to 32).';
  if (!text.trim()) return 'Write the text to insert.';
  if (text.length > 4000) return 'The text is too long (4000 characters at most).';
  if (existing.some((e) => e.shortcut.toLowerCase() === s.toLowerCase())) return `/${s} already exists.`;
  return null;
}
