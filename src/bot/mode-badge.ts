/**
 * The trading mode as the trader must see it (DESIGN.md §8: LIVE is announced, loudly).
 */
import type { TradingMode } from '../config.js';

export function modeLine(mode: TradingMode): string {
  switch (mode) {
    case 'paper':
      return '🧪 Mode: <b>PAPER</b> — a simulated exchange; no real money moves.';
    case 'testnet':
      return '🧪 Mode: <b>TESTNET</b> — the Binance test network; no real money moves.';
    case 'live':
      return '🔴🔴 Mode: <b>LIVE — REAL MONEY</b> 🔴🔴\nOrders you confirm are placed on Binance with this account’s funds.';
  }
}
