import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedStateContract } from '../shared-state-contract.js';
import { SqliteStore } from './sqlite-store.js';

const root = mkdtempSync(join(tmpdir(), 'warden-shared-state-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

sharedStateContract('sqlite', () => Promise.resolve(SqliteStore.open(join(root, `s${n++}`, 'warden.db'))));
