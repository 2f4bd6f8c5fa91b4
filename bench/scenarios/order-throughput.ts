import type { ScenarioContext, ScenarioResult } from '../lib/types.js';
export async function orderThroughput(_ctx: ScenarioContext): Promise<ScenarioResult> {
  return { id: 'order-throughput', title: 'order-throughput', rows: [{ what: 'stub', unit: '', status: 'skipped' }] };
}
