import type { WardenConfig } from '../config/index.js';
import { strategyPaths } from '../strategy/index.js';
import type { RouteGroup } from './http-api.js';
import { dashboardRoutes } from './routes/dashboard-routes.js';
import { heartbeatStatusRoutes } from './routes/heartbeat-status-routes.js';
import { strategyHistoryRoutes } from './routes/strategy-history-routes.js';

/** The dashboard's page and the read routes it draws from beyond the rest of the API. */
export function dashboardRouteGroups(config: WardenConfig, dataDir: string): RouteGroup[] {
  return [
    strategyHistoryRoutes(config.strategy, strategyPaths(config.strategy, dataDir).trades),
    heartbeatStatusRoutes(config.heartbeats),
    dashboardRoutes(),
  ];
}
