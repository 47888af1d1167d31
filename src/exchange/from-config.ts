import type { ExchangeSection } from '../config/schema.js';
import { CcxtExchange, type CcxtLike } from './ccxt-adapter.js';
import { ExchangeConfigError } from './exchange-config-error.js';
import type { Exchange } from './exchange.js';

/** Options of `createExchangeFromConfig`. */
export interface ExchangeFromConfigOptions {
  /** Where the credential variables are read. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Loads ccxt; injected in tests. Default `import('ccxt')`, only when the section names a ccxt exchange or the simulator. */
  readonly loadCcxt?: () => Promise<unknown>;
}

type CcxtModule = Record<string, unknown>;
type CcxtCtor = new (config: Record<string, unknown>) => CcxtLike & {
  setSandboxMode?(on: boolean): void;
  urls: Record<string, unknown>;
};

async function loadCcxtModule(load: () => Promise<unknown>): Promise<CcxtModule> {
  let mod: unknown;
  try {
    mod = await load();
  } catch (err) {
    throw new ExchangeConfigError(
      'E_CCXT_MISSING',
      `exchange: the config names a ccxt exchange but ccxt is not installed (${(err as Error).message}); install it beside warden: npm install ccxt`,
      { cause: err },
    );
  }
  const m = mod as CcxtModule & { default?: CcxtModule };
  return m.default !== undefined && typeof m.default === 'object' ? { ...m.default, ...m } : m;
}

function secret(env: NodeJS.ProcessEnv, name: string | undefined, field: string): string | undefined {
  if (name === undefined) return undefined;
  const v = env[name];
  if (v === undefined || v === '')
    throw new ExchangeConfigError(
      'E_EXCHANGE_CREDENTIALS',
      `exchange.${field}: environment variable ${name} is not set (it holds the credential; the config names only the variable)`,
    );
  return v;
}

/** Replaces the origin of every string in the client's `urls.api` (nested too), keeping each path. */
function pointApiAt(client: { urls: Record<string, unknown> }, apiUrl: string, id: string): void {
  const base = apiUrl.replace(/\/+$/, '');
  const api = client.urls['api'];
  let n = 0;
  const walk = (o: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'string' && /^https?:\/\//.test(v)) {
        const u = new URL(v);
        o[k] = base + (u.pathname === '/' && !v.endsWith('/') ? '' : u.pathname);
        n++;
      } else if (typeof v === 'object' && v !== null) walk(v as Record<string, unknown>);
    }
  };
  if (typeof api === 'string') {
    const u = new URL(api);
    client.urls['api'] = base + (u.pathname === '/' && !api.endsWith('/') ? '' : u.pathname);
    return;
  }
  if (typeof api === 'object' && api !== null) walk(api as Record<string, unknown>);
  if (n === 0 && typeof api !== 'string')
    throw new ExchangeConfigError(
      'E_EXCHANGE_API_URL',
      `exchange.apiUrl: ccxt's ${id} has no urls.api entries to point at ${apiUrl}`,
    );
}

/**
 * The `Exchange` the config's `exchange` section describes. ccxt is imported here, lazily, and
 * only for `kind: 'ccxt'` or `'sim-http'` (the simulator's HTTP server through the real ccxt
 * `binance` client): Warden's core never loads it otherwise. A credential variable that is named
 * but unset is an error (`E_EXCHANGE_CREDENTIALS`), never an unauthenticated client.
 */
export async function createExchangeFromConfig(
  section: ExchangeSection,
  options: ExchangeFromConfigOptions = {},
): Promise<Exchange> {
  const env = options.env ?? process.env;
  const load = options.loadCcxt ?? (() => import('ccxt'));
  if (section.kind === 'sim-http') {
    const { createSimulatedCcxt } = await import('./ccxt-sim-client.js');
    let client: Awaited<ReturnType<typeof createSimulatedCcxt>>;
    try {
      client = await createSimulatedCcxt(section.url, { timeout: section.timeoutMs, loadCcxt: load });
    } catch (err) {
      if (err instanceof ExchangeConfigError) throw err;
      throw new ExchangeConfigError('E_CCXT_MISSING', `exchange: ${(err as Error).message}`, { cause: err });
    }
    return new CcxtExchange(client as unknown as CcxtLike, {
      positions: 'none',
      ...(section.recvWindowMs !== undefined ? { recvWindowMs: section.recvWindowMs } : {}),
    });
  }
  const ccxt = await loadCcxtModule(load);
  const Ctor = ccxt[section.id];
  if (typeof Ctor !== 'function')
    throw new ExchangeConfigError(
      'E_CCXT_UNKNOWN_EXCHANGE',
      `exchange.id: ccxt has no exchange ${JSON.stringify(section.id)}`,
    );
  const config: Record<string, unknown> = { timeout: section.timeoutMs, enableRateLimit: true };
  if (section.ccxtOptions !== undefined) config['options'] = { ...section.ccxtOptions };
  const apiKey = secret(env, section.apiKeyEnv, 'apiKeyEnv');
  const key = secret(env, section.secretEnv, 'secretEnv');
  const password = secret(env, section.passwordEnv, 'passwordEnv');
  if (apiKey !== undefined) config['apiKey'] = apiKey;
  if (key !== undefined) config['secret'] = key;
  if (password !== undefined) config['password'] = password;
  const client = new (Ctor as CcxtCtor)(config);
  if (section.sandbox) {
    try {
      if (typeof client.setSandboxMode !== 'function') throw new Error('no setSandboxMode');
      client.setSandboxMode(true);
    } catch (err) {
      // never fall back to the live venue when a testnet was asked for
      throw new ExchangeConfigError(
        'E_EXCHANGE_SANDBOX',
        `exchange.sandbox: ${section.id} has no sandbox in ccxt (${(err as Error).message}); refusing to use the live venue`,
        { cause: err },
      );
    }
  }
  if (section.apiUrl !== undefined) pointApiAt(client, section.apiUrl, section.id);
  return new CcxtExchange(client, {
    positions: section.positions,
    ...(section.recvWindowMs !== undefined ? { recvWindowMs: section.recvWindowMs } : {}),
  });
}
