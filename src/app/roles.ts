/**
 * Role wiring: which pieces each role starts, in which order. No logic lives here.
 */
import type { Registry } from 'prom-client';
import type { Config, Role } from '../config.js';
import type { Logger } from '../logger.js';
import type { Lifecycle } from './lifecycle.js';
import { AppError } from '../errors.js';
import { startHealthServer, type HealthCheck } from '../http/health-server.js';

export interface RoleContext {
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
  registry: Registry;
  /** Ends the process cleanly (the console role calls it on EOF or /quit). */
  stop: () => void;
}

export async function startRole(role: Role, ctx: RoleContext): Promise<void> {
  const checks: HealthCheck[] = [];
  switch (role) {
    default:
      throw new AppError('ROLE_UNKNOWN', `the ${role} role is not available in this build yet`);
  }
  const http = await startHealthServer({ port: ctx.config.port, registry: ctx.registry, checks, logger: ctx.logger });
  ctx.lifecycle.onClose('http', () => http.close());
}
