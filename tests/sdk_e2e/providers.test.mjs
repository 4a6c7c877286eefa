// The official Anthropic SDK through a real ccproxy worker against each strict provider mock
// (tests/worker_e2e/provider_mocks.py, run by provider_mock_server.py): the two-turn
// Claude-Code-shaped tool conversation, streaming and not. Run by run.sh.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';

const MOCK_SERVER = process.env.CCPROXY_PROVIDER_MOCK;
const FIXTURE = JSON.parse(fs.readFileSync(process.env.CCPROXY_FIXTURE, 'utf8'));
const PROVIDERS = {
  gemini: 'google/gemini-2.5-flash',
  gemini3: 'google/gemini-3-pro-preview',
  kimi: 'moonshotai/kimi-k2-thinking',
  deepseek: 'deepseek/deepseek-reasoner',
  minimax: 'minimaxi/MiniMax-M2',
  glm: 'zai/GLM-4.6',
  anthropic: 'glm-4.6',
};

function lineReader(stream) {
  const rl = readline.createInterface({ input: stream });
  const waiting = [];
  const lines = [];
  rl.on('line', (l) => (waiting.length ? waiting.shift()(l) : lines.push(l)));
  return () => new Promise((r) => (lines.length ? r(lines.shift()) : waiting.push(r)));
}

async function startMock(kind) {
  const proc = spawn('python3', [MOCK_SERVER, kind], { stdio: ['pipe', 'pipe', 'inherit'] });
  const next = lineReader(proc.stdout);
  const port = Number((await next()).split(' ')[1]);
  return { port, proc, errors: async () => { proc.stdin.write('errors\n'); return JSON.parse(await next()); } };
}

async function startWorker(kind, mockPort) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ccproxy-sdk-prov-'));
  fs.mkdirSync(path.join(home, 'profiles'));
  const anthropic = kind === 'anthropic';
  fs.writeFileSync(path.join(home, 'profiles', 'p.toml'), [
    'port = 18097',
    '[upstream]',
    `base_url = "http://127.0.0.1:${mockPort}${anthropic ? '' : '/v1'}"`,
    'api_key = "sk-upstream-test-key-000000"',
    `format = "${anthropic ? 'anthropic' : 'openai'}"`,
    '[models]',
    `big = "${PROVIDERS[kind]}"`,
    '[retry]',
    'max_retries = 0',
    '',
  ].join('\n'));
  const env = { ...process.env };
  for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'all_proxy']) delete env[v];
  const proc = spawn(process.env.CCPROXY_BIN, ['--home', home, 'run', '--profile', 'p', '--port', '0', '--log-stderr'],
    { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await lineReader(proc.stdout)();
  const port = Number(line.match(/:(\d+)$/)[1]);
  return { port, proc, home };
}

async function stop(proc) {
  if (proc.exitCode === null) {
    const exited = new Promise((r) => proc.on('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
}

function firstRequest() {
  return {
    model: 'claude-sonnet-4-5', max_tokens: 16000, // (the SDK wants streaming above ~21,000)
    system: [{ type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.3.f00; cc_entrypoint=cli;' }, ...FIXTURE.system],
    tools: FIXTURE.tools, thinking: { type: 'adaptive' },
    messages: [{ role: 'user', content: 'List the files.' }],
  };
}

async function turn(client, body, stream) {
  const opts = { headers: { 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27' } };
  if (stream) return client.messages.stream(body, opts).finalMessage();
  return client.messages.create(body, opts);
}

for (const kind of Object.keys(PROVIDERS)) {
  for (const stream of [false, true]) {
    test(`${kind} two turns ${stream ? 'streaming' : 'whole'}`, async () => {
      const mock = await startMock(kind);
      const worker = await startWorker(kind, mock.port);
      try {
        const client = new Anthropic({ apiKey: 'unused', baseURL: `http://127.0.0.1:${worker.port}`, maxRetries: 0 });
        const body = firstRequest();
        const first = await turn(client, body, stream);
        assert.equal(first.stop_reason, 'tool_use', JSON.stringify(await mock.errors()));
        const call = first.content.find((b) => b.type === 'tool_use');
        assert.deepEqual(call.input, { command: 'ls' });
        body.messages.push({ role: 'assistant', content: first.content });
        body.messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'a.txt' }] });
        const second = await turn(client, body, stream);
        assert.equal(second.stop_reason, 'end_turn');
        assert.equal(second.content.at(-1).text, 'Done: a.txt');
        assert.deepEqual(await mock.errors(), []);
      } finally {
        await stop(worker.proc);
        mock.proc.stdin.end();
        await new Promise((r) => (mock.proc.exitCode === null ? mock.proc.on('exit', r) : r()));
        fs.rmSync(worker.home, { recursive: true, force: true });
      }
    });
  }
}
