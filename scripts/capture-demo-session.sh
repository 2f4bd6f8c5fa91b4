#!/usr/bin/env bash
# Replays a newcomer's first session in the console demo (paper exchange, replayed real candles)
# and writes what the bot answered to docs/DEMO-SESSION.md. Run after `npm run build`.
# Each command waits long enough for its answer, its card edits and the fills that follow.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

session() {
  step() { printf '%s\n' "$1"; sleep "${2:-3}"; }
  step '/help'
  step '/balance'
  step '/price ETHUSDT'
  step '/buy BTCUSDT 100USDT'
  step '1' 5
  step '/buy ETHUSDT 0.05 2000'
  step '1' 4
  step '/orders'
  step '1' 4
  step '/top'
  step '/top losers'
  step '/ta BTCUSDT 1h' 4
  step '/stop BTCUSDT fractal 1h' 4
  step '1' 5
  step '/stops'
  step '/sell BTCUSDT all'
  step '/stop BTCUSDT off' 4
  step '/status'
  step '/quit' 1
}

{
  echo '# A demo session, as a new user sees it'
  echo
  echo "Captured with \`scripts/capture-demo-session.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC') from \`npm run demo\`"
  echo '(the console on the paper exchange with replayed real candles; no Telegram, no keys). A typed'
  echo 'number presses a button: `1` the last keyboard shown, `5.2` button 2 of message 5.'
  echo
  echo '```text'
  session | TRADING_MODE=paper PAPER_MARKET=replay timeout 120 node "$root/dist/main.js" console 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g'
  echo '```'
} > "$root/docs/DEMO-SESSION.md"
echo "wrote docs/DEMO-SESSION.md"
