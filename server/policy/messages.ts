/** Refusal wording shared by several decisions, so the same situation always reads the same. */
export const EXISTING_ARRANGEMENTS =
  'has not signed the Information Sharing Protocol, so its staff cannot share through Haven. Requests involving it must follow the existing (non-protocol) arrangements and procedures.';
