import { z } from 'zod';
import { shareRecord } from '../shares/share-record';
import { uuidParam } from '../shared/schemas';

export const addCaseOfficerBody = z.strictObject({ userId: uuidParam, record: shareRecord });
