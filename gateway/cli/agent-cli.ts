// Operators manage agent accounts from the command line, on the store the gateway uses (DATABASE_URL's
// PostgreSQL, else the SQLite file at DATABASE_PATH; running gateways hear of changes on PostgreSQL at
// once, on SQLite within their agent cache's few seconds):
//   npm run agent -- add EMAIL PASSWORD [--name NAME] [--role agent|supervisor|admin] [--department NAME]... [--capacity N]
//   npm run agent -- list
//   npm run agent -- disable EMAIL | enable EMAIL
//   npm run agent -- reset-password EMAIL PASSWORD
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openStore } from '../store/open-store.ts';
import { AgentAuth } from '../auth/agent-auth.ts';
import type { Role } from '../store/types.ts';

const USAGE = `usage: npm run agent -- <command>
  add EMAIL PASSWORD [--name NAME] [--role agent|supervisor|admin] [--department NAME]... [--capacity N]
  list
  disable EMAIL
  enable EMAIL
  reset-password EMAIL PASSWORD`;

export async function runAgentCli(argv: string[], env: NodeJS.ProcessEnv = process.env, out = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      department: { type: 'string', multiple: true },
      capacity: { type: 'string' },
    },
  });
  const [cmd, ...rest] = positionals;
  const config = loadConfig(env);
  // Beside a running gateway on purpose: no gateway lock on the SQLite file.
  const store = await openStore(config, undefined, { lock: false });
  const auth = new AgentAuth(store, false);
  try {
    switch (cmd) {
      case 'add': {
        const [email, password] = rest;
        if (!email || !password) throw new Error(USAGE);
        const role = (values.role ?? 'agent') as Role;
        if (!['agent', 'supervisor', 'admin'].includes(role)) throw new Error(`--role must be agent, supervisor or admin, not ${role}`);
        const capacity = values.capacity === undefined ? null : Number(values.capacity);
        if (capacity !== null && !(Number.isInteger(capacity) && capacity >= 1 && capacity <= 100)) throw new Error('--capacity must be an integer from 1 to 100');
        const a = await auth.createAgent({ email, password, name: values.name, role, departments: values.department ?? [], capacity });
        out(`added ${a.email} (${a.role}) id=${a.id}`);
        return 0;
      }
      case 'list':
        for (const a of await store.listAgents()) {
          out(`${a.email}\t${a.name}\t${a.role}\t${a.departments.join(',') || '-'}\tcapacity=${a.capacity ?? 'default'}\t${a.disabled ? 'disabled' : 'active'}`);
        }
        return 0;
      case 'disable':
      case 'enable': {
        const a = await store.agentByEmail(rest[0] ?? '');
        if (!a) throw new Error(`no agent with email ${rest[0]}`);
        await store.updateAgent(a.id, { disabled: cmd === 'disable' });
        out(`${cmd}d ${a.email}`);
        return 0;
      }
      case 'reset-password': {
        const a = await store.agentByEmail(rest[0] ?? '');
        if (!a || !rest[1]) throw new Error(a ? USAGE : `no agent with email ${rest[0]}`);
        await auth.setPassword(a.id, rest[1]);
        out(`password reset for ${a.email}`);
        return 0;
      }
      default:
        throw new Error(USAGE);
    }
  } finally {
    await store.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runAgentCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
