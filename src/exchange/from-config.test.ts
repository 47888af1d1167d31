import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/index.js';
import { createExchangeFromConfig } from './from-config.js';

/** A stand-in ccxt module recording what the client was built with. */
function fakeCcxt(opts: { sandbox?: boolean } = {}) {
  const built: { config: Record<string, unknown>; sandbox: boolean }[] = [];
  class kraken {
    readonly id = 'kraken';
    readonly has = {};
    urls = {};
    constructor(config: Record<string, unknown>) {
      built.push({ config, sandbox: false });
    }
    createOrder() {
      return Promise.resolve({});
    }
    setSandboxMode(on: boolean) {
      if (opts.sandbox === false) throw new Error('kraken has no testnet');
      built.at(-1)!.sandbox = on;
    }
  }
  return { module: { kraken }, built };
}

const section = (e: Record<string, unknown>) => parseConfig({ exchange: e }).exchange!;

describe('createExchangeFromConfig', () => {
  it('builds the named ccxt exchange with credentials read from the named variables, sandbox on', async () => {
    const f = fakeCcxt();
    const ex = await createExchangeFromConfig(
      section({
        kind: 'ccxt',
        id: 'kraken',
        apiKeyEnv: 'K',
        secretEnv: 'S',
        sandbox: true,
        recvWindowMs: 3000,
      }),
      { env: { K: 'key-1', S: 'secret-1' }, loadCcxt: () => Promise.resolve(f.module) },
    );
    assert.equal(ex.id, 'kraken');
    assert.equal(ex.receiveWindowMs, 3000);
    assert.equal(f.built[0]!.config['apiKey'], 'key-1');
    assert.equal(f.built[0]!.config['secret'], 'secret-1');
    assert.equal(f.built[0]!.sandbox, true);
  });

  it('ccxt not installed: E_CCXT_MISSING with the fix; nothing is loaded before the section asks', async () => {
    let loads = 0;
    const missing = () => {
      loads++;
      return Promise.reject(new Error("Cannot find package 'ccxt'"));
    };
    await assert.rejects(
      createExchangeFromConfig(section({ kind: 'ccxt', id: 'kraken' }), { loadCcxt: missing }),
      (e: Error & { code?: string }) => e.code === 'E_CCXT_MISSING' && /npm install ccxt/.test(e.message),
    );
    assert.equal(loads, 1);
    await assert.rejects(
      createExchangeFromConfig(section({ kind: 'sim-http', url: 'http://127.0.0.1:1' }), {
        loadCcxt: missing,
      }),
      (e: Error & { code?: string }) => e.code === 'E_CCXT_MISSING',
    );
  });

  it('a named credential variable that is unset fails (never an unauthenticated client), naming the variable only', async () => {
    const f = fakeCcxt();
    await assert.rejects(
      createExchangeFromConfig(section({ kind: 'ccxt', id: 'kraken', secretEnv: 'NOPE' }), {
        env: {},
        loadCcxt: () => Promise.resolve(f.module),
      }),
      (e: Error & { code?: string }) =>
        e.code === 'E_EXCHANGE_CREDENTIALS' && /NOPE is not set/.test(e.message),
    );
    assert.equal(f.built.length, 0);
  });

  it('a sandbox the venue does not have is refused rather than falling back to the live venue', async () => {
    const f = fakeCcxt({ sandbox: false });
    await assert.rejects(
      createExchangeFromConfig(section({ kind: 'ccxt', id: 'kraken', sandbox: true }), {
        loadCcxt: () => Promise.resolve(f.module),
      }),
      (e: Error & { code?: string }) => e.code === 'E_EXCHANGE_SANDBOX',
    );
  });

  it('an unknown exchange id, and secrets in the config file, are errors', async () => {
    await assert.rejects(
      createExchangeFromConfig(section({ kind: 'ccxt', id: 'nosuch' }), {
        loadCcxt: () => Promise.resolve(fakeCcxt().module),
      }),
      (e: Error & { code?: string }) => e.code === 'E_CCXT_UNKNOWN_EXCHANGE',
    );
    assert.throws(() => parseConfig({ exchange: { kind: 'ccxt', id: 'kraken', apiKey: 'raw-secret' } }));
  });
});
