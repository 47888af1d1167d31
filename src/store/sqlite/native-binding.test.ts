// The CommonJS bundle's copy of better-sqlite3's JavaScript is used only with the very version it
// was built from (scripts/bundle-cli.mjs): installedSqliteIs must tell the installed version apart.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { installedSqliteIs, sqliteNativeBinding } from './native-binding.js';

const require = createRequire(import.meta.url);
const { version } = JSON.parse(readFileSync(require.resolve('better-sqlite3/package.json'), 'utf8')) as {
  version: string;
};

describe('installedSqliteIs', () => {
  it("is true for the installed package's version (its addon found), false for any other", () => {
    assert.ok(sqliteNativeBinding()?.endsWith('better_sqlite3.node'));
    assert.equal(installedSqliteIs(version), true);
    assert.equal(installedSqliteIs('0.0.0'), false);
    assert.equal(installedSqliteIs(`${version}-rc.1`), false);
  });
});
