// The one rule for a PostgreSQL store's schema name. The name is spliced unquoted into SQL
// (`search_path`, `CREATE SCHEMA`) and into the change feed's channel `<schema>_changes`, and
// PostgreSQL identifiers (channel names too) hold at most 63 bytes (NAMEDATALEN - 1): a longer
// channel is silently truncated by LISTEN and refused by pg_notify. So the schema itself may be
// at most 63 - len('_changes') = 55 characters.

/** The suffix of the change feed's channel: `<schema>_changes`. */
export const CHANGE_CHANNEL_SUFFIX = '_changes';

/** The longest schema name accepted: its channel name is then exactly 63 bytes. */
export const SCHEMA_NAME_MAX = 63 - CHANGE_CHANNEL_SUFFIX.length;

/** A schema name Warden accepts: lower-case letters, digits and `_`, not starting with a digit, at most 55. */
export const SCHEMA_NAME = new RegExp(`^[a-z_][a-z0-9_]{0,${SCHEMA_NAME_MAX - 1}}$`);

/** What a schema name must be, in words (config errors and RangeErrors say it). */
export const SCHEMA_NAME_RULE = `lower-case letters, digits and _, not starting with a digit, at most ${SCHEMA_NAME_MAX} characters`;

/** Checks a schema name; a bad one is a `RangeError` naming `option` and the value. */
export function checkSchemaName(schema: string, option = 'schema'): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema))
    throw new RangeError(`${option}: expected ${SCHEMA_NAME_RULE}, got ${JSON.stringify(schema)}`);
  return schema;
}

/** The NOTIFY channel of a schema's changes (`pg_notify('<schema>_changes', …)`). */
export function changeChannel(schema: string): string {
  return `${checkSchemaName(schema)}${CHANGE_CHANNEL_SUFFIX}`;
}
