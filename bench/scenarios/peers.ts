import type { ScenarioContext, ScenarioResult } from '../lib/types.js';
export async function peers(_ctx: ScenarioContext): Promise<ScenarioResult> {
  return { id: 'peers', title: 'peers', rows: [{ what: 'stub', unit: '', status: 'skipped' }] };
}
