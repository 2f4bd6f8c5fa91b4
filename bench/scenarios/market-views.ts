import type { ScenarioContext, ScenarioResult } from '../lib/types.js';
export async function marketViews(_ctx: ScenarioContext): Promise<ScenarioResult> {
  return { id: 'market-views', title: 'market-views', rows: [{ what: 'stub', unit: '', status: 'skipped' }] };
}
