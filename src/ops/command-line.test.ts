import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveProgram, shellQuote, splitCommandLine, systemdCommand } from './command-line.js';
import { redactSecrets, REDACTED } from './redact.js';

describe('command lines', () => {
  it('splits like a shell without expanding anything', () => {
    assert.deepEqual(splitCommandLine(`python3 -u 'my bot.py' --name "a \\"b\\"" x\\ y $HOME`), [
      'python3',
      '-u',
      'my bot.py',
      '--name',
      'a "b"',
      'x y',
      '$HOME',
    ]);
    assert.deepEqual(splitCommandLine(`a '' b`), ['a', '', 'b']);
    assert.throws(() => splitCommandLine('   '), /empty command/);
  });

  it('quotes systemd arguments so systemd reads back the same argv', () => {
    assert.equal(
      systemdCommand(['/bin/x', 'a b', 'c"d', '50%', '$X', ';', '']),
      '/bin/x "a b" "c\\"d" 50%% $$X ";" ""',
    );
  });

  it('resolves a bare program on PATH and a relative one against cwd', () => {
    assert.deepEqual(resolveProgram(['sh', '-c', 'x'], '/', '/nonexistent:/bin:/usr/bin')[1], '-c');
    assert.match(resolveProgram(['sh'], '/', '/bin:/usr/bin')[0]!, /^\/(usr\/)?bin\/sh$/);
    assert.deepEqual(resolveProgram(['./bot.py'], '/srv/bot', undefined), ['/srv/bot/bot.py']);
    assert.throws(() => resolveProgram(['sh'], '/', ''), /not on PATH/);
  });

  it('quotes for a shell only when needed', () => {
    assert.equal(shellQuote('/a/b.service'), '/a/b.service');
    assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
  });
});

describe('redaction', () => {
  it('redacts token, secret, password and *url values at any depth, and says where', () => {
    const r = redactSecrets({
      store: { kind: 'postgres', url: 'postgres://u:pw@h/db' },
      alerts: {
        channels: [
          { type: 'slack', urlEnv: 'SLACK_URL' },
          { type: 'webhook', url: 'http://x' },
        ],
      },
      daemon: { tokenEnv: 'WARDEN_TOKEN', port: 8787 },
      apiSecret: 's',
      dbPassword: null,
    });
    assert.deepEqual(r.value, {
      store: { kind: 'postgres', url: REDACTED },
      alerts: {
        channels: [
          { type: 'slack', urlEnv: 'SLACK_URL' },
          { type: 'webhook', url: REDACTED },
        ],
      },
      daemon: { tokenEnv: REDACTED, port: 8787 },
      apiSecret: REDACTED,
      dbPassword: null,
    });
    assert.deepEqual(r.redacted, ['store.url', 'alerts.channels[1].url', 'daemon.tokenEnv', 'apiSecret']);
  });
});
