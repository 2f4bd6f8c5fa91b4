import type { ScenarioContext, ScenarioResult } from '../lib/types.js';
export async function stopRound(_ctx: ScenarioContext): Promise<ScenarioResult> {
  return { id: 'stop-round', title: 'stop-round', rows: [{ what: 'stub', unit: '', status: 'skipped' }] };
}
