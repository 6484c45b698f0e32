// Hash routing: #/, #/register, #/registered, #/invite/<token>, #/admin/users, ...
export type Route =
  | { name: 'home' }
  | { name: 'register' }
  | { name: 'registered' }
  | { name: 'invite'; token: string }
  | { name: 'admin-users' }
  | { name: 'admin-agencies' }
  | { name: 'admin-audit' }
  | { name: 'not-found' };

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const invite = /^\/invite\/([^/]+)$/.exec(path);
  if (invite?.[1]) return { name: 'invite', token: decodeURIComponent(invite[1]) };
  switch (path) {
    case '/':
      return { name: 'home' };
    case '/register':
      return { name: 'register' };
    case '/registered':
      return { name: 'registered' };
    case '/admin/users':
      return { name: 'admin-users' };
    case '/admin/agencies':
      return { name: 'admin-agencies' };
    case '/admin/audit':
      return { name: 'admin-audit' };
    default:
      return { name: 'not-found' };
  }
}

/** Hashes that are not routes (in-page links such as "#main") are ignored. */
function isRouteHash(hash: string): boolean {
  return hash === '' || hash === '#' || hash.startsWith('#/');
}

class Router {
  route = $state<Route>(parseHash(isRouteHash(location.hash) ? location.hash : ''));

  constructor() {
    window.addEventListener('hashchange', () => {
      if (isRouteHash(location.hash)) this.route = parseHash(location.hash);
    });
  }

  go(hash: `#/${string}`): void {
    if (location.hash === hash) this.route = parseHash(hash);
    else location.hash = hash;
  }
}

export const router = new Router();
