import { describe, expect, it } from 'vitest';
import { auditActions } from '../../server/audit';
import { AUDIT_ACTION_LABELS, auditActionLabel } from '../../server/audit/action-labels';

describe('audit action labels', () => {
  it('gives every action words, and no words to an action that does not exist', () => {
    for (const action of auditActions) expect(AUDIT_ACTION_LABELS[action].trim().length, action).toBeGreaterThan(3);
    expect(Object.keys(AUDIT_ACTION_LABELS).sort()).toEqual([...auditActions].sort());
  });

  it('gives each action different words, so no two read alike', () => {
    expect(new Set(Object.values(AUDIT_ACTION_LABELS)).size).toBe(auditActions.length);
  });

  it('falls back to the code for an action it does not know', () => {
    expect(auditActionLabel('share.message_sent')).toBe('Sent a secure message');
    expect(auditActionLabel('something.new')).toBe('something.new');
  });
});
