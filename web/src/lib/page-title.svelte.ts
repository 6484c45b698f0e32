// The tab's title: the screen's name, led by the number of unread messages while there are any
// ("(3) Conversations – Haven"), so a tab in the background shows that something waits.
class PageTitle {
  screen = $state('Haven');
}

export const pageTitle = new PageTitle();

export function titleWith(unread: number, screen: string): string {
  return unread > 0 ? `(${unread}) ${screen}` : screen;
}
