// Notifications from this browser while Haven is open in a tab the person is not looking at
// (docs/notifications.md, "In the browser"). Content-free like the e-mails: a count, never a name
// or a message. Each browser is turned on by its user, on their click (the permission prompt
// comes then, never on load), and remembered in this browser only.
import { router } from './router.svelte';

const TURNED_ON = 'haven:browser-notices';

export type NoticePermission = 'granted' | 'denied' | 'default' | 'unsupported';

/** The words of a notice about new messages: how many, nothing else. */
export function unreadNoticeText(unread: number): string {
  return unread === 1 ? 'You have 1 new secure message' : `You have ${unread} new secure messages`;
}

function permissionNow(): NoticePermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

class BrowserNotices {
  permission = $state<NoticePermission>(permissionNow());
  turnedOn = $state(localStorage.getItem(TURNED_ON) === 'on');

  get active(): boolean {
    return this.turnedOn && this.permission === 'granted';
  }

  /** On the person's click: asks the browser's permission, and turns notices on if given. */
  async turnOn(): Promise<NoticePermission> {
    if (typeof Notification === 'undefined') return 'unsupported';
    this.permission = await Notification.requestPermission();
    if (this.permission === 'granted') {
      localStorage.setItem(TURNED_ON, 'on');
      this.turnedOn = true;
    }
    return this.permission;
  }

  turnOff(): void {
    localStorage.removeItem(TURNED_ON);
    this.turnedOn = false;
  }

  /** New messages arrived: tell the person if they are looking elsewhere. One notice at a time replaces the last. */
  announceUnread(unread: number): void {
    this.permission = permissionNow();
    if (!this.active || document.visibilityState !== 'hidden') return;
    try {
      const notice = new Notification('Haven', { body: unreadNoticeText(unread), tag: 'haven-unread' });
      notice.onclick = () => {
        window.focus();
        router.go('#/conversations');
        notice.close();
      };
    } catch {
      // Some browsers allow notices only from a service worker: the tab's title still shows the count.
    }
  }
}

export const browserNotices = new BrowserNotices();
