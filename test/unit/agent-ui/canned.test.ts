import { describe, expect, it } from 'vitest';
import { applyCanned, cannedProblem, matchCanned, slashToken } from '../../../agent-ui/src/lib/canned.ts';

const items = [
  { shortcut: 'hello', text: 'Hi there!' },
  { shortcut: 'help', text: 'How can I help?' },
  { shortcut: 'shipping', text: 'We ship in 2-4 days.' },
  { shortcut: 'bye', text: 'Have a nice day!' },
];

describe('canned responses: the "/shortcut" token at the caret', () => {
  it('finds a token at the start, after whitespace, and right after typing "/"', () => {
    expect(slashToken('/he')).toEqual({ start: 0, end: 3, query: 'he' });
    expect(slashToken('Sure! /Ship')).toEqual({ start: 6, end: 11, query: 'ship' });
    expect(slashToken('/')).toEqual({ start: 0, end: 1, query: '' });
    expect(slashToken('line one\n/by')).toEqual({ start: 9, end: 12, query: 'by' });
  });

  it('uses the caret, and takes the whole word the caret is in', () => {
    expect(slashToken('/hello world', 3)).toEqual({ start: 0, end: 6, query: 'hello' });
    expect(slashToken('/hello world', 12)).toBeNull();
  });

  it('ignores URLs, fractions and plain text', () => {
    expect(slashToken('see https://example.com/help')).toBeNull();
    expect(slashToken('1/2')).toBeNull();
    expect(slashToken('hello')).toBeNull();
    expect(slashToken('')).toBeNull();
    expect(slashToken('/' + 'a'.repeat(33))).toBeNull();
  });

  it('lists prefix matches first, then inner matches, alphabetically, up to the limit', () => {
    expect(matchCanned(items, 'he').map((i) => i.shortcut)).toEqual(['hello', 'help']);
    expect(matchCanned(items, 'ip').map((i) => i.shortcut)).toEqual(['shipping']);
    expect(matchCanned(items, '').map((i) => i.shortcut)).toEqual(['bye', 'hello', 'help', 'shipping']);
    expect(matchCanned(items, '', 2)).toHaveLength(2);
    expect(matchCanned(items, 'HEL').map((i) => i.shortcut)).toEqual(['hello', 'help']);
    expect(matchCanned(items, 'zzz')).toEqual([]);
  });

  it('replaces the token with the text and puts the caret after it', () => {
    const text = 'Sure! /hel and more';
    const token = slashToken(text, 10)!;
    expect(applyCanned(text, token, 'Hi there!')).toEqual({ text: 'Sure! Hi there! and more', caret: 15 });
  });

  it('checks a new response like the gateway does', () => {
    expect(cannedProblem('', 'x')).toMatch(/shortcut/);
    expect(cannedProblem('has space', 'x')).toMatch(/letters/);
    expect(cannedProblem('/ok', '  ')).toMatch(/text/);
    expect(cannedProblem('Hello', 'x', items)).toMatch(/already exists/);
    expect(cannedProblem('/new-one_2', 'Some text', items)).toBeNull();
  });
});
