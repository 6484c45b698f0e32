import { describe, expect, it } from 'vitest';
import { shareNotice } from '../../web/src/lib/share-notice';

const childId = '6f1d2c3b-0000-4000-8000-000000000001';

describe('the notice of a new share', () => {
  it('leads a written record to its special file and a message to Conversations, naming nothing', () => {
    expect(shareNotice({ childId, envelope: { header: { kind: 'written_record', childId } } }, 7)).toEqual({
      seq: 7,
      text: 'You have a new written record in a special file',
      link: { href: `#/children/${childId}/special-file`, text: 'Go to the special file' },
    });
    expect(shareNotice({ childId, envelope: { header: { kind: 'message' } } }, 8)).toEqual({
      seq: 8,
      text: 'You have a new secure message',
      link: { href: '#/conversations', text: 'Go to Conversations' },
    });
  });

  it.each([
    ['no envelope', null],
    ['no header', {}],
    ['a header that is not an object', { header: 'written_record' }],
    ['an unknown kind', { header: { kind: 'something_else' } }],
  ])('treats %s as a message', (_what, envelope) => {
    expect(shareNotice({ childId, envelope }, 1).link.href).toBe('#/conversations');
  });
});
