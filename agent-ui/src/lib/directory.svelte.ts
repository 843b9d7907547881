// The agent directory (GET /api/agents): the transfer form lists it, admins manage it.
import { createAgent, listAgents, updateAgent, type AgentPatch, type DirectoryAgent, type NewAgentInput } from './api.ts';
import { departmentsOf } from './agents.ts';

export class AgentDirectory {
  agents = $state.raw<DirectoryAgent[]>([]);
  loaded = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Agent ids with a change in flight (their row's buttons are disabled). */
  saving = $state<string[]>([]);

  departments = $derived(departmentsOf(this.agents));

  async load(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      this.agents = sortByName(await listAgents());
      this.error = null;
      this.loaded = true;
    } catch (e) {
      this.error = message(e);
    } finally {
      this.loading = false;
    }
  }

  /** Returns an error message, or null once the agent exists. */
  async create(input: NewAgentInput): Promise<string | null> {
    try {
      const a = await createAgent(input);
      this.agents = sortByName([...this.agents.filter((x) => x.id !== a.id), a]);
      return null;
    } catch (e) {
      return message(e);
    }
  }

  async update(id: string, patch: AgentPatch): Promise<string | null> {
    if (this.saving.includes(id)) return null;
    this.saving = [...this.saving, id];
    try {
      const a = await updateAgent(id, patch);
      this.agents = sortByName(this.agents.map((x) => (x.id === a.id ? a : x)));
      return null;
    } catch (e) {
      return message(e);
    } finally {
      this.saving = this.saving.filter((x) => x !== id);
    }
  }
}

const sortByName = (list: DirectoryAgent[]) => [...list].sort((a, b) => a.name.localeCompare(b.name));
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
