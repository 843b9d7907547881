// The agent console's English catalogue (source of keys), same ICU format and mechanism as the
// visitor shell (visitor-shell/src/i18n/). Add a locale: write xx.ts as a ConsoleCatalogue and list
// it in lib/i18n.ts.
export const en = {
  'app.loading': 'Loading the agent console…',
  'login.title': 'Sign in to the agent console',
  'login.sub': 'Answer visitors and browse with them, live.',
  'login.email': 'Email',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.busy': 'Signing in…',
  'login.missing': 'Enter your email and password.',
  'login.failed': 'Sign-in failed. Try again.',
  'login.throttled': '{seconds, plural, one {Too many attempts, try again in # s} other {Too many attempts, try again in # s}}',
  'login.throttledDone': 'You can try again now.',
  'nav.label': 'Console pages',
  'nav.conversations': 'Conversations',
  'nav.inbox': 'Messages',
  'nav.supervisor': 'Supervisor',
  'nav.admin': 'Agents',
  'shortcuts.label': 'Keyboard shortcuts',
  'shortcuts.accept': 'accept',
  'shortcuts.next': 'next tab',
  'shortcuts.chat': 'chat',
  'visitor.details': 'Visitor details',
  'visitor.site': 'Site',
  'visitor.department': 'Department',
  'visitor.entry': 'Entry page',
  'visitor.browser': 'Browser',
  'visitor.language': 'Language',
  'visitor.unknownLanguage': 'Not known',
  'visitor.waited': 'Waited',
  'visitor.notAccepted': ' (not accepted yet)',
  'visitor.arrived': 'arrived {time}',
  'visitor.pages': 'Pages ({count})',
  'visitor.noPages': 'None yet',
} as const;

export type ConsoleKey = keyof typeof en;
export type ConsoleCatalogue = Record<ConsoleKey, string>;
