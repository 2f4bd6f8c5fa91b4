/**
 * POST /api/v3/order/cancelReplace (rest-api.md "Cancel an Existing Order and Send a New Order"):
 * the new order's parameters and filters are checked before either step; then the cancel, then
 * (unless STOP_ON_FAILURE and the cancel failed) the new order. HTTP 200 when both steps
 * succeeded, 400 (-2022) when nothing was done, 409 (-2021) when one step was done and the other
 * not, the body's `data` saying which.
 */
import type { Order, SymbolInfo } from '../../binance/types.js';
import type { MatchingEngine, OrderRefParams } from '../engine/matching-engine.js';
import { precisionOf, renderCanceledOrder, renderNewOrder } from '../engine/order-format.js';
import { clientOrderIdParam, mandatory, type NewOrderRequest } from '../engine/order-validation.js';
import type { Params, RouteResult } from './rest-routes.js';
import { cancelRestrictionsParam } from './route-params.js';
import { SimError, simErrors } from '../sim-error.js';

type Mode = 'STOP_ON_FAILURE' | 'ALLOW_FAILURE';
type StepResult = 'SUCCESS' | 'FAILURE' | 'NOT_ATTEMPTED';
type StepResponse = Order | { code: number; msg: string } | null;

export interface CancelReplaceInput {
  params: Params;
  info: SymbolInfo;
  engine: MatchingEngine;
  /** Parses the new order and checks it against the symbol's rules (throws SimError). */
  validate: () => NewOrderRequest;
  cancelRef: () => OrderRefParams;
}

export function cancelReplace(input: CancelReplaceInput): RouteResult {
  const { params, info, engine } = input;
  const modeText = mandatory(params, 'cancelReplaceMode');
  if (modeText !== 'STOP_ON_FAILURE' && modeText !== 'ALLOW_FAILURE') {
    throw new SimError(400, -1102, "Mandatory parameter 'cancelReplaceMode' was not sent, was empty/null, or malformed.");
  }
  const mode: Mode = modeText;
  if (info.cancelReplaceAllowed !== true) {
    throw simErrors.orderRejected('Order cancel-replace is not supported for this symbol.');
  }
  const ref = input.cancelRef();
  const cancelClientId = clientOrderIdParam(params, 'cancelNewClientOrderId');
  const restrictions = cancelRestrictionsParam(params);
  const rateMode = params.orderRateLimitExceededMode;
  if (rateMode !== undefined && rateMode !== 'DO_NOTHING' && rateMode !== 'CANCEL_ONLY') {
    throw simErrors.mandatoryMissing('orderRateLimitExceededMode');
  }
  // Filters and parameters of the new order first: a failure here leaves everything as it was.
  const request = input.validate();
  const p = precisionOf(info);

  let cancelResult: StepResult;
  let cancelResponse: StepResponse;
  try {
    const done = engine.cancel(info.symbol, ref, cancelClientId, restrictions);
    cancelResult = 'SUCCESS';
    cancelResponse = renderCanceledOrder(done.order, done.cancelClientOrderId, done.transactTime, p);
  } catch (error) {
    cancelResult = 'FAILURE';
    cancelResponse = failure(error);
  }

  let newOrderResult: StepResult = 'NOT_ATTEMPTED';
  let newOrderResponse: StepResponse = null;
  if (cancelResult === 'SUCCESS' || mode === 'ALLOW_FAILURE') {
    try {
      const placed = engine.place(request);
      newOrderResult = 'SUCCESS';
      newOrderResponse = renderNewOrder(placed.order, placed.fills, request.responseType, placed.transactTime, p, placed.preventedMatches);
    } catch (error) {
      newOrderResult = 'FAILURE';
      newOrderResponse = failure(error);
    }
  }

  const data = { cancelResult, newOrderResult, cancelResponse, newOrderResponse };
  if (cancelResult === 'SUCCESS' && newOrderResult === 'SUCCESS') return { body: data };
  if (cancelResult === 'SUCCESS' || newOrderResult === 'SUCCESS') {
    return { status: 409, body: { code: -2021, msg: 'Order cancel-replace partially failed.', data } };
  }
  return { status: 400, body: { code: -2022, msg: 'Order cancel-replace failed.', data } };
}

function failure(error: unknown): { code: number; msg: string } {
  if (error instanceof SimError) return { code: error.code, msg: error.message };
  throw error;
}
