/**
 * The one entry point: `node dist/main.js <role>` (DESIGN.md §1). Parses the configuration once,
 * starts the role, serves /healthz and /metrics, and shuts down in order on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ConfigError, ROLES, loadConfig, readEnv, type Role } from './config.js';
import { isAppError } from './errors.js';
import { pino } from 'pino';
import { createLogger } from './logger.js';
import { createLifecycle } from './app/lifecycle.js';
import { logSecretsOf } from './app/log-secrets.js';
import { startRole } from './app/roles.js';

const USAGE = `usage: node dist/main.js <role>
       node dist/main.js --help

Runs one part of binance-chatops. Settings come from the environment and from .env in this
directory (.env.example lists them all).

roles:
  all       bot and worker in one process
  bot       the Telegram bot: answers commands, shows confirmation cards
  worker    places orders, moves stops, listens to fills, sends alerts
  sim       the paper exchange alone (a Binance-compatible simulator on SIM_PORT)
  console   chat with the bot in this terminal on the paper exchange

npm commands:
  npm start      runs the all role (after npm run build), the usual production start
  npm run demo   builds, then opens the console on a replayed paper market: no Telegram, no keys`;

const CONSOLE_LOG = './data/logs/console.log';

const isRole = (value: string | undefined): value is Role => (ROLES as readonly string[]).includes(value ?? '');

/** The role to run, or what to print instead: usage asked for (stdout, 0) or a mistake (stderr, 2). */
function parseCommandLine(args: string[]): { role: Role } | { help: true } | { error: string } {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's message goes on about '--' and positionals; the first sentence is what helps here.
    const message = error instanceof Error ? error.message : String(error);
    return { error: message.split(/\.\s/)[0] ?? message };
  }
  const [role, ...extra] = parsed.positionals;
  if (parsed.values.help || role === 'help') return { help: true };
  if (role === undefined) return { error: 'no role given' };
  if (!isRole(role)) return { error: `unknown role "${role}"` };
  // Settings are environment variables; a stray word is more likely a typo than something meant.
  if (extra.length > 0) return { error: `unexpected argument "${extra[0]}" after the role` };
  return { role };
}

async function main(argv: string[]): Promise<number> {
  const command = parseCommandLine(argv.slice(2));
  if ('help' in command) {
    console.log(USAGE);
    return 0;
  }
  if ('error' in command) {
    console.error(`binance-chatops: ${command.error}\n\n${USAGE}`);
    return 2;
  }
  const { role } = command;

  let config;
  try {
    config = loadConfig(role, readEnv());
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`binance-chatops: configuration error: ${error.message}`);
      return 1;
    }
    throw error;
  }

  const logger = createLogger({
    level: config.logLevel,
    name: role,
    secrets: logSecretsOf(config),
    // The console is a chat in this terminal: log lines go to a file instead of into the chat.
    ...(role === 'console' ? { destination: pino.destination({ dest: CONSOLE_LOG, mkdir: true, sync: false }) } : {}),
  });
  const lifecycle = createLifecycle(logger);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'binance_chatops_' });
  for (const warning of config.warnings) logger.warn(warning);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await lifecycle.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  try {
    await startRole(role, { config, logger, lifecycle, registry, stop: () => void stop('console-exit') });
  } catch (error) {
    const line = isAppError(error) ? error.message : error instanceof Error ? error.message : String(error);
    logger.error({ err: error }, 'start-up failed');
    console.error(`binance-chatops: ${role} could not start: ${line}`);
    await lifecycle.close();
    return 1;
  }
  return -1; // running; the process ends through stop()
}

main(process.argv).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    console.error('binance-chatops: fatal:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
