// The methods the application's routes accept on a request's path, read from Express's
// own route table with its own matchers, so a 405's Allow header cannot drift from the
// routes. Only consulted once routing has found nothing for the request's method.
import type { Request } from 'express';

interface RouteLayer {
  matchers?: ((path: string) => unknown)[];
  route?: { methods: Record<string, boolean> };
}

export function allowedMethods(request: Request): string[] {
  const stack = (request.app as unknown as { router?: { stack: RouteLayer[] } }).router?.stack ?? [];
  const methods = new Set<string>();
  for (const layer of stack) {
    if (!layer.route || !layer.matchers?.some((match) => matches(match, request.path))) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') methods.add(method.toUpperCase());
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

function matches(match: (path: string) => unknown, path: string): boolean {
  try {
    return Boolean(match(path));
  } catch {
    return false; // a parameter that does not decode: the router has already refused it
  }
}
