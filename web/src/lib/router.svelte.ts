// Hash routing: #/ (Home: what needs doing), #/account, #/register, #/registered, #/invite/<token>, #/forgot-password, #/reset-password/<token>, #/recover/<token>, #/admin/users,
// #/children, #/children/new, #/children/override, #/children/<id>,
// #/children/<id>/verbal-share, #/children/<id>/decision, #/children/<id>/chronology[/all-agencies],
// #/children/<id>/conversation, #/children/<id>/special-file[?obligation=<id>], #/conversations,
// #/conversations/<threadId>, #/obligations, #/admin/escalations, #/admin/retention,
// #/admin/subject-access, ...
import type { ChronologyScope } from './types';

export type Route =
  | { name: 'home' }
  | { name: 'account' }
  | { name: 'register' }
  | { name: 'registered' }
  | { name: 'invite'; token: string }
  | { name: 'forgot-password' }
  | { name: 'reset-password'; token: string }
  | { name: 'recover'; token: string }
  | { name: 'admin-users' }
  | { name: 'admin-agencies' }
  | { name: 'admin-audit' }
  | { name: 'admin-alerts' }
  | { name: 'admin-escalations' }
  | { name: 'admin-retention' }
  | { name: 'admin-subject-access' }
  | { name: 'obligations' }
  | { name: 'child-special-file'; id: string; obligation: string | null }
  | { name: 'children' }
  | { name: 'child-new' }
  | { name: 'child-override' }
  | { name: 'child'; id: string }
  | { name: 'child-verbal-share'; id: string }
  | { name: 'child-decision'; id: string }
  | { name: 'child-chronology'; id: string; scope: ChronologyScope }
  | { name: 'child-conversation'; id: string }
  | { name: 'conversations' }
  | { name: 'conversation'; id: string }
  | { name: 'not-found' };

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const invite = /^\/invite\/([^/]+)$/.exec(path);
  if (invite?.[1]) return { name: 'invite', token: decodeURIComponent(invite[1]) };
  const reset = /^\/reset-password\/([^/]+)$/.exec(path);
  if (reset?.[1]) return { name: 'reset-password', token: decodeURIComponent(reset[1]) };
  const recover = /^\/recover\/([^/]+)$/.exec(path);
  if (recover?.[1]) return { name: 'recover', token: decodeURIComponent(recover[1]) };
  const special = /^\/children\/([0-9a-fA-F-]{36})\/special-file(?:\?obligation=([0-9a-fA-F-]{36}))?$/.exec(path);
  if (special?.[1]) return { name: 'child-special-file', id: special[1].toLowerCase(), obligation: special[2]?.toLowerCase() ?? null };
  const chronology = /^\/children\/([0-9a-fA-F-]{36})\/chronology(\/all-agencies)?$/.exec(path);
  if (chronology?.[1]) return { name: 'child-chronology', id: chronology[1].toLowerCase(), scope: chronology[2] ? 'all' : 'mine' };
  const child = /^\/children\/([0-9a-fA-F-]{36})(?:\/(verbal-share|decision|conversation))?$/.exec(path);
  if (child?.[1]) {
    const id = child[1].toLowerCase();
    return child[2] ? { name: `child-${child[2] as 'verbal-share' | 'decision' | 'conversation'}`, id } : { name: 'child', id };
  }
  const conversation = /^\/conversations\/([0-9a-fA-F-]{36})$/.exec(path);
  if (conversation?.[1]) return { name: 'conversation', id: conversation[1].toLowerCase() };
  switch (path) {
    case '/':
      return { name: 'home' };
    case '/account':
      return { name: 'account' };
    case '/register':
      return { name: 'register' };
    case '/registered':
      return { name: 'registered' };
    case '/forgot-password':
      return { name: 'forgot-password' };
    case '/admin/users':
      return { name: 'admin-users' };
    case '/admin/agencies':
      return { name: 'admin-agencies' };
    case '/admin/audit':
      return { name: 'admin-audit' };
    case '/admin/alerts':
      return { name: 'admin-alerts' };
    case '/admin/escalations':
      return { name: 'admin-escalations' };
    case '/admin/retention':
      return { name: 'admin-retention' };
    case '/admin/subject-access':
      return { name: 'admin-subject-access' };
    case '/obligations':
      return { name: 'obligations' };
    case '/children':
      return { name: 'children' };
    case '/children/new':
      return { name: 'child-new' };
    case '/children/override':
      return { name: 'child-override' };
    case '/conversations':
      return { name: 'conversations' };
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

  /** Switches screen at once (hashchange comes a moment later and finds the same route). */
  go(hash: `#/${string}`): void {
    this.route = parseHash(hash);
    if (location.hash !== hash) location.hash = hash;
  }
}

export const router = new Router();
