// The gateway writes its system messages ("Dana joined the chat.") into the session's event log in
// English (gateway/channel/hub.ts). The shell recognises those sentences and shows them in the
// visitor's language; anything it does not recognise (a newer gateway's wording, an end reason)
// is shown as the gateway wrote it. test/unit/visitor-shell/i18n.test.ts checks the sentences
// below still appear in the hub's source.
import type { MessageKey } from '../i18n/en.ts';
import { t } from '../i18n/current.ts';

export const SYSTEM_TEXTS: readonly { re: RegExp; key: MessageKey }[] = [
  { re: /^Waiting for an agent…$/, key: 'sys.waiting' },
  { re: /^(?<name>.{1,120}) joined the chat\.$/, key: 'sys.joined' },
  { re: /^(?<name>.{1,120}) lost their connection\. Waiting for them to come back…$/, key: 'sys.agentLost' },
  { re: /^The agent was disconnected\. You are first in line for the next agent\.$/, key: 'sys.requeued' },
  { re: /^You are being transferred to another department\.$/, key: 'sys.transferred' },
  { re: /^No agent is online right now\. You can stay in the queue, or end the chat and write to us\.$/, key: 'sys.noAgents' },
  { re: /^This is taking longer than usual\. You can keep waiting, or end the chat and write to us\.$/, key: 'sys.waitLong' },
];

export function localizeSystemText(text: string): string {
  for (const { re, key } of SYSTEM_TEXTS) {
    const m = re.exec(text);
    if (m) return t(key, { name: m.groups?.name ?? '' });
  }
  return text;
}
