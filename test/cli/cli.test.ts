import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCanopy, spawnCanopy, type CanopyProcess } from './processes.ts';

/**
 * The whole enrollment life cycle through the command line, each step a real process:
 * serve, token create, agent register, agent run, status, agent revoke.
 */
describe('canopy CLI: enroll, run, status, revoke', () => {
  let dir: string;
  let serve: CanopyProcess;
  let url: string;
  const agents: CanopyProcess[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-cli-'));
    serve = spawnCanopy(['serve', '--data', join(dir, 'service'), '--listen', '127.0.0.1:0'], { CANOPY_RELAY_HEARTBEAT_MS: '300', CANOPY_RELAY_DOWN_AFTER_MS: '1500' });
    url = (await serve.waitForLine(/serving (http:\/\/\S+)/))[1]!;
  });
  after(async () => {
    for (const agent of agents) agent.kill('SIGKILL');
    serve.kill();
    await serve.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  const adminArgs = (): string[] => ['--data', join(dir, 'service')];

  function writeConfig(name: string): string {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({
      dataDir: `./${name}-data`,
      name,
      domains: [{ name: 'corp.example.com', ad: { urls: ['ldaps://127.0.0.1:1'], bindDn: 'CN=sync', passwordEnv: 'CANOPY_TEST_UNUSED', baseDn: 'DC=corp,DC=example,DC=com' } }],
    }));
    return file;
  }

  test('refuses plain http off loopback', async () => {
    const result = await runCanopy(['serve', '--data', join(dir, 'other'), '--listen', '0.0.0.0:0']);
    assert.equal(result.code, 1);
    assert.match(result.output.join('\n'), /ERR_CONFIG_INVALID: .*refusing to serve .* without TLS on a non-loopback address; give --tls-cert and --tls-key/);
  });

  test('enrolls with a token once, runs, shows in status, and is disconnected when revoked', async () => {
    const token = await runCanopy(['token', 'create', ...adminArgs()]);
    assert.equal(token.code, 0, token.output.join('\n'));
    const value = token.stdout.trim();
    assert.match(value, /^canopy-reg\.[\w-]{43}$/);

    const config = writeConfig('agent1');
    const registered = await runCanopy(['agent', 'register', '--service', url, '--token', value, '--config', config]);
    assert.equal(registered.code, 0, registered.output.join('\n'));
    const agentId = /agent (\S+) enrolled/.exec(registered.stdout)![1]!;
    assert.equal(statSync(join(dir, 'agent1-data', 'agent-key.pem')).mode & 0o777, 0o600);

    const reused = await runCanopy(['agent', 'register', '--service', url, '--token', value, '--config', writeConfig('agent2')]);
    assert.equal(reused.code, 1);
    assert.match(reused.output.join('\n'), /ERR_RELAY_TOKEN_USED/);

    const run = spawnCanopy(['agent', 'run', '--config', config], { CANOPY_SERVICE_URL: url });
    agents.push(run);
    await run.waitForLine(new RegExp(`agent ${agentId} connected`));

    const status = await runCanopy(['status', '--json', ...adminArgs()]);
    assert.equal(status.code, 0, status.output.join('\n'));
    const [agent] = (JSON.parse(status.stdout) as { agents: { id: string; state: string; domains: string[]; version: string }[] }).agents;
    assert.equal(agent!.id, agentId);
    assert.equal(agent!.state, 'connected');
    assert.deepEqual(agent!.domains, ['corp.example.com']);
    assert.match(agent!.version, /^\d+\.\d+\.\d+/);

    // A frozen agent (SIGSTOP) stops answering heartbeats: down after CANOPY_RELAY_DOWN_AFTER_MS.
    run.kill('SIGSTOP');
    await serve.waitForLine(new RegExp(`agent ${agentId} down \\(silent \\d+ ms\\)`), 5000);
    const down = await runCanopy(['status', '--json', ...adminArgs()]);
    assert.equal((JSON.parse(down.stdout) as { agents: { state: string }[] }).agents[0]!.state, 'down');
    const back = serve.waitForLine(new RegExp(`agent ${agentId} connected`), 10_000, true);
    run.kill('SIGCONT');
    await run.waitForLine(/disconnected/, 5000);
    await back;

    const started = Date.now();
    const revoked = await runCanopy(['agent', 'revoke', agentId, ...adminArgs()]);
    assert.equal(revoked.code, 0, revoked.output.join('\n'));
    const exit = await run.exited;
    assert.equal(exit.code, 3);
    assert.ok(Date.now() - started < 5000, `agent exited ${Date.now() - started} ms after revocation`);
    assert.match(run.output.join('\n'), /ERR_RELAY_AGENT_REVOKED/);

    const list = await runCanopy(['agent', 'list', ...adminArgs()]);
    assert.match(list.stdout, new RegExp(`${agentId}\\s+agent1\\s+revoked`));
  });

  test('admin verbs without credentials fail clearly', async () => {
    const result = await runCanopy(['token', 'create', '--bootstrap', join(dir, 'missing.json')]);
    assert.equal(result.code, 1);
    assert.match(result.output.join('\n'), /ERR_CONFIG_INVALID: --bootstrap: cannot read/);
  });
});
