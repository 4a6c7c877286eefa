// The official Anthropic TypeScript SDK as the client of a real ccproxy worker, which talks to a
// scripted OpenAI-style mock upstream (in this file). Run by run.sh (see CMakeLists.txt).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';

const CLIENT_KEY = 'client-key-for-sdk-test';
const queue = [];
const seen = [];

// --- mock upstream ---------------------------------------------------------------------------
const upstream = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', async () => {
    seen.push({ path: req.url, headers: req.headers, body: JSON.parse(body) });
    const action = queue.shift() ?? { status: 500, json: { error: { message: 'nothing queued' } } };
    if (action.sse) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of action.sse) {
        res.write(event === '[DONE]' ? 'data: [DONE]\n\n' : `data: ${JSON.stringify(event)}\n\n`);
        await new Promise((r) => setTimeout(r, 5));
      }
      if (action.cut) {
        res.socket.destroy();
        return;
      }
      res.end();
      return;
    }
    res.writeHead(action.status ?? 200, { 'content-type': 'application/json', ...(action.headers ?? {}) });
    res.end(JSON.stringify(action.json));
  });
});

const chunk = (delta, finish = null, usage) => ({
  id: 'c1', object: 'chat.completion.chunk', model: 'provider-model',
  choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}),
});

// --- the worker -------------------------------------------------------------------------------
let worker;
let client;
let home;

before(async () => {
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ccproxy-sdk-'));
  fs.mkdirSync(path.join(home, 'profiles'));
  fs.writeFileSync(path.join(home, 'profiles', 'sdk.toml'), [
    'port = 18098',
    `client_api_key = "${CLIENT_KEY}"`,
    '[upstream]',
    `base_url = "http://127.0.0.1:${upstream.address().port}/v1"`,
    'api_key = "sk-upstream-test-key-000000"',
    '[models]',
    'big = "big-model"',
    'middle = "mid-model"',
    'small = "small-model"',
    '[retry]',
    'max_retries = 0',
    '',
  ].join('\n'));
  const env = { ...process.env };
  for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'all_proxy']) delete env[v];
  worker = spawn(process.env.CCPROXY_BIN, ['--home', home, 'run', '--profile', 'sdk', '--port', '0', '--log-stderr'],
    { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    worker.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on 127\.0\.0\.1:(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    worker.on('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  client = new Anthropic({ apiKey: CLIENT_KEY, baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 });
});

after(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((r) => worker.on('exit', r));
    worker.kill('SIGTERM');
    await exited;
  }
  upstream.close();
  fs.rmSync(home, { recursive: true, force: true });
});

const request = (extra = {}) => ({
  model: 'claude-sonnet-4-5', max_tokens: 1024,
  messages: [{ role: 'user', content: 'Hello' }], ...extra,
});

// --- tests ------------------------------------------------------------------------------------
test('messages.create returns text', async () => {
  queue.push({
    json: {
      id: 'x', object: 'chat.completion', model: 'provider-model',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi from the mock' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 9, completion_tokens: 4 },
    },
  });
  const msg = await client.messages.create(request());
  assert.equal(msg.type, 'message');
  assert.equal(msg.model, 'claude-sonnet-4-5');
  assert.deepEqual(msg.content, [{ type: 'text', text: 'Hi from the mock' }]);
  assert.equal(msg.stop_reason, 'end_turn');
  assert.equal(msg.usage.output_tokens, 4);
  assert.equal(seen.at(-1).body.model, 'mid-model');
  assert.equal(seen.at(-1).headers.authorization, 'Bearer sk-upstream-test-key-000000');
});

test('messages.stream().finalMessage() with text', async () => {
  queue.push({ sse: [chunk({ role: 'assistant', content: 'Hello' }), chunk({ content: ', world' }),
    chunk({}, 'stop', { prompt_tokens: 5, completion_tokens: 3 }), '[DONE]'] });
  const stream = client.messages.stream(request());
  const deltas = [];
  stream.on('text', (t) => deltas.push(t));
  const msg = await stream.finalMessage();
  assert.deepEqual(deltas, ['Hello', ', world']);
  assert.equal(msg.content[0].text, 'Hello, world');
  assert.equal(msg.stop_reason, 'end_turn');
  assert.equal(msg.usage.output_tokens, 3);
});

test('messages.stream().finalMessage() with parallel tool use', async () => {
  queue.push({ sse: [
    chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'Read', arguments: '{"file_' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: 'path":"/tmp/a"}' } }] }),
    chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] }),
    chunk({}, 'tool_calls'), '[DONE]'] });
  const msg = await client.messages.stream(request({
    tools: [{ name: 'Read', input_schema: { type: 'object', properties: { file_path: { type: 'string' } } } },
      { name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }],
  })).finalMessage();
  assert.equal(msg.stop_reason, 'tool_use');
  const tools = msg.content.filter((b) => b.type === 'tool_use');
  assert.deepEqual(tools.map((t) => [t.id, t.name, t.input]),
    [['call_1', 'Read', { file_path: '/tmp/a' }], ['call_2', 'Bash', { command: 'ls' }]]);
});

test('messages.stream().finalMessage() with thinking', async () => {
  queue.push({ sse: [chunk({ role: 'assistant', reasoning_content: 'Thinking it ' }),
    chunk({ reasoning_content: 'over.' }), chunk({ content: 'Done.' }), chunk({}, 'stop'), '[DONE]'] });
  const msg = await client.messages.stream(request({ thinking: { type: 'enabled', budget_tokens: 2048 } })).finalMessage();
  assert.equal(msg.content[0].type, 'thinking');
  assert.equal(msg.content[0].thinking, 'Thinking it over.');
  assert.equal(msg.content[1].text, 'Done.');
});

test('upstream errors arrive as the SDK typed errors', async () => {
  const cases = [
    [429, Anthropic.RateLimitError, 'rate_limit_error'],
    [401, Anthropic.AuthenticationError, 'authentication_error'],
    [403, Anthropic.PermissionDeniedError, 'permission_error'],
    [404, Anthropic.NotFoundError, 'not_found_error'],
    [400, Anthropic.BadRequestError, 'invalid_request_error'],
    [500, Anthropic.InternalServerError, 'api_error'],
  ];
  for (const [status, ErrorClass, type] of cases) {
    queue.push({ status, json: { error: { message: `provider failure ${status}` } } });
    await assert.rejects(client.messages.create(request()), (err) => {
      assert.ok(err instanceof ErrorClass, `${status}: got ${err.constructor.name}`);
      assert.equal(err.status, status);
      assert.equal(err.error.error.type, type);
      assert.match(err.message, new RegExp(`provider failure ${status}`));
      return true;
    });
  }
});

test('a streaming request that fails before the stream starts is a typed error', async () => {
  queue.push({ status: 429, json: { error: { message: 'slow down' } }, headers: { 'retry-after': '7' } });
  await assert.rejects(client.messages.stream(request()).finalMessage(), (err) => {
    assert.ok(err instanceof Anthropic.RateLimitError, err.constructor.name);
    assert.equal(err.headers.get ? err.headers.get('retry-after') : err.headers['retry-after'], '7');
    return true;
  });
});

test('an upstream cut mid-stream surfaces as an error, not a silent end', async () => {
  queue.push({ sse: [chunk({ role: 'assistant', content: 'partial' })], cut: true });
  await assert.rejects(client.messages.stream(request()).finalMessage(), (err) => {
    assert.ok(err instanceof Anthropic.APIError, err.constructor.name);
    return true;
  });
});

test('a wrong client key is an AuthenticationError from the worker itself', async () => {
  const before = seen.length;
  const bad = new Anthropic({ apiKey: 'wrong', baseURL: client.baseURL, maxRetries: 0 });
  await assert.rejects(bad.messages.create(request()), Anthropic.AuthenticationError);
  assert.equal(seen.length, before);
});

test('countTokens', async () => {
  const r = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hello '.repeat(100) }] });
  assert.ok(r.input_tokens > 50, JSON.stringify(r));
});
