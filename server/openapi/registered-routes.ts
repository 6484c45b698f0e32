import type { Express } from 'express';

/** An HTTP route as Express has it registered: lower-case method, path with `:params`. */
export interface RegisteredRoute {
  method: string;
  path: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * Walks Express's router stack. Its layers are not part of Express's typed API (router 2's
 * `Layer` keeps `route` and the mount path `rawPath`), so each is read as `unknown` and checked;
 * a mount this cannot read shows up as a strange path rather than being skipped in silence.
 */
function routesOf(stack: unknown[], prefix: string): RegisteredRoute[] {
  return stack.flatMap((layer): RegisteredRoute[] => {
    if (!isRecord(layer)) return [];
    const route = layer.route;
    if (isRecord(route)) {
      const methods = isRecord(route.methods) ? route.methods : {};
      return Object.keys(methods)
        .filter((method) => methods[method] === true)
        .map((method) => ({ method, path: prefix + String(route.path) }));
    }
    // A mounted router is a function carrying its own stack: `app.use('/api', api)`, `api.use(agencyRoutes(ctx))`.
    const handle = layer.handle;
    if (typeof handle !== 'function' || !('stack' in handle) || !Array.isArray(handle.stack)) return [];
    const mount = typeof layer.rawPath === 'string' ? layer.rawPath : String(layer.rawPath);
    return routesOf(handle.stack, prefix + (mount === '/' ? '' : mount));
  });
}

/** Every route the app answers, nested routers included, in registration order. */
export function registeredRoutes(app: Express): RegisteredRoute[] {
  return routesOf(app.router.stack, '');
}
