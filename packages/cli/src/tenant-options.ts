import type { TenantConfig } from '@tenantry/core';
import { dateValue, integerValue, keyValueList, listValue, type OptionDefs, type ParsedArgs } from './args.js';

/** The creation options `create` and `plan create` share. */
export const creationOptions: OptionDefs = {
  'connection-limit': { type: 'string', value: '<n>', description: 'Most concurrent connections of the tenant role; -1 (default) for no limit.' },
  'valid-until': { type: 'string', value: '<date>', description: 'When the password stops working (VALID UNTIL), ISO 8601: 2027-01-31 or 2027-01-31T12:00:00Z.' },
  setting: { type: 'string', multiple: true, value: '<name=value>', description: 'A per-role setting in this database, e.g. statement_timeout=5s. Repeatable.' },
  'member-of': { type: 'string', multiple: true, value: '<role>', description: 'An existing role the tenant role becomes a member of (it gains its rights). Repeatable.' },
  'grant-to': { type: 'string', multiple: true, value: '<role>', description: "An existing role that becomes a member of the tenant role, e.g. a reporting role. Repeatable." },
  label: { type: 'string', multiple: true, value: '<key=value>', description: 'A label stored with the tenant, shown by list and show. Repeatable.' },
};

export type CreationFields = Pick<TenantConfig, 'connectionLimit' | 'validUntil' | 'settings' | 'memberOf' | 'grantTo' | 'labels'>;

/** The creation options given on the command line; absent ones stay undefined. */
export function creationFields(args: ParsedArgs, command: string): CreationFields {
  const fields: CreationFields = {};
  const connectionLimit = integerValue(args, 'connection-limit', command, { min: -1, max: 1_000_000 });
  if (connectionLimit !== undefined) fields.connectionLimit = connectionLimit;
  const validUntil = dateValue(args, 'valid-until', command, false);
  if (validUntil) fields.validUntil = validUntil;
  const settings = keyValueList(args, 'setting', command);
  if (settings) fields.settings = settings;
  const memberOf = listValue(args, 'member-of');
  if (memberOf.length > 0) fields.memberOf = memberOf;
  const grantTo = listValue(args, 'grant-to');
  if (grantTo.length > 0) fields.grantTo = grantTo;
  const labels = keyValueList(args, 'label', command);
  if (labels) fields.labels = labels;
  return fields;
}
