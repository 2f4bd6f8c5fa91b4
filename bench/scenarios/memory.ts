import type { ScenarioContext, ScenarioResult } from '../lib/types.js';
export async function memory(_ctx: ScenarioContext): Promise<ScenarioResult> {
  return { id: 'memory', title: 'memory', rows: [{ what: 'stub', unit: '', status: 'skipped' }] };
}
