// An independent implementation of GET /v1/projects/:projectId/influencers, written from the
// documentation page alone (shared/docs/list-influencers.md), on PostgreSQL with keyset cursors.
// Not the suite's reference: a second opinion for trying the suite as a partner would.
//
//   node server.js --port 8700 --size 150 [--seed-only]
// Prints a targets.yaml entry on stdout once it listens.
'use strict';
const http = require('http');
const crypto = require('crypto');
const { Pool } = require('pg');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']);
    return acc;
  }, []),
);
const PORT = Number(args.port || 8700);
const SIZE = Number(args.size || 150);
// --offset: pages by position (LIMIT/OFFSET), as many servers do: right on a still list, a walk
// repeats or skips influencers when one is created or archived ahead of it.
const OFFSET = args.offset === 'true';
const pool = new Pool({ host: '127.0.0.1', port: 55432, user: 'postgres', database: 'postgres', max: 8 });
const SECRET = crypto.randomBytes(32);
const FULL_KEY = 'indep_full_0123456789';
const NOSCOPE_KEY = 'indep_noscope_0123456789';
const STATUSES = ['draft', 'pending', 'training', 'ready', 'failed'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function seed() {
  await pool.query(`
    DROP TABLE IF EXISTS influencers; DROP TABLE IF EXISTS projects; DROP TABLE IF EXISTS keys;
    CREATE TABLE projects (id uuid PRIMARY KEY, org text NOT NULL);
    CREATE TABLE keys (key text PRIMARY KEY, org text NOT NULL, scopes text[] NOT NULL);
    CREATE TABLE influencers (
      id text PRIMARY KEY, project_id uuid NOT NULL REFERENCES projects(id), name text NOT NULL,
      gender text NOT NULL, age_range text NOT NULL, status text NOT NULL,
      thumbnail_url text NOT NULL, created_at timestamptz NOT NULL, archived_at timestamptz);
    CREATE INDEX ON influencers (project_id, created_at DESC, id DESC);`);
  const main = crypto.randomUUID(), empty = crypto.randomUUID(), foreign = crypto.randomUUID();
  await pool.query('INSERT INTO projects VALUES ($1,$4),($2,$4),($3,$5)', [main, empty, foreign, 'org_a', 'org_b']);
  await pool.query('INSERT INTO keys VALUES ($1,$3,$4),($2,$3,$5)', [FULL_KEY, NOSCOPE_KEY, 'org_a', ['influencers:write'], ['influencers:read']]);
  const base = Date.parse('2026-01-01T00:00:00Z');
  const rows = [];
  for (let i = 0; i < SIZE + 20; i++) {
    // every 7th shares its second with the one before: ties, which the page allows in any order
    const t = new Date(base + (i % 7 === 0 && i > 0 ? i - 1 : i) * 1000);
    rows.push([newId(), main, `Person ${i}`, ['female', 'male', 'non-binary'][i % 3], ['18-24', '25-34', '35-44'][i % 3],
      STATUSES[i % 5], `https://media.example.com/${i}.jpg`, t.toISOString(), i < 20 ? t.toISOString() : null]);
  }
  for (const r of rows) await pool.query('INSERT INTO influencers VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)', r);
  await pool.query(`INSERT INTO influencers VALUES ($1,$2,'Other org','female','25-34','ready','https://media.example.com/x.jpg',now(),null)`, [newId(), foreign]);
  const archived = rows.filter((r) => r[8]).map((r) => r[0]);
  return { main, empty, foreign, archived };
}

function newId() {
  return 'inf_' + crypto.randomBytes(10).toString('hex');
}

function sign(payload) {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const mac = crypto.createHmac('sha256', SECRET).update(body).digest('base64url').slice(0, 22);
  return `${body}.${mac}`;
}

function unsign(cursor) {
  const [body, mac] = cursor.split('.');
  if (!body || !mac) return null;
  const want = crypto.createHmac('sha256', SECRET).update(body).digest('base64url').slice(0, 22);
  if (mac.length !== want.length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(want))) return null;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString());
  } catch {
    return null;
  }
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function fail(res, status, code, message) {
  send(res, status, { error: { code, message, requestId: 'req_' + crypto.randomBytes(8).toString('hex') } });
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://x');
  const m = url.pathname.match(/^\/v1\/projects\/([^/]+)\/influencers$/);
  if (req.method !== 'GET' || !m) return fail(res, 404, 'NOT_FOUND', 'No such route.');
  let key = req.headers['x-api-key'];
  const auth = req.headers['authorization'];
  if (key === undefined && auth && auth.startsWith('Bearer ')) key = auth.slice(7);
  if (!key) return fail(res, 401, 'UNAUTHENTICATED', 'Missing API key.');
  const found = await pool.query('SELECT org, scopes FROM keys WHERE key = $1', [key]);
  if (!found.rows.length) return fail(res, 401, 'UNAUTHENTICATED', 'Invalid API key.');
  const { org, scopes } = found.rows[0];
  if (!scopes.includes('influencers:write')) return fail(res, 403, 'FORBIDDEN_SCOPE', 'Key lacks influencers:write.');
  const projectId = decodeURIComponent(m[1]);
  if (!UUID.test(projectId)) return fail(res, 404, 'NOT_FOUND', 'Project not found.');
  const project = await pool.query('SELECT org FROM projects WHERE id = $1', [projectId]);
  if (!project.rows.length || project.rows[0].org !== org) return fail(res, 404, 'NOT_FOUND', 'Project not found.');
  const q = url.searchParams;
  let limit = 25;
  if (q.has('limit')) {
    const raw = q.get('limit');
    if (!/^[0-9]{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > 100) return fail(res, 400, 'VALIDATION', 'limit must be an integer 1-100.');
    limit = Number(raw);
  }
  const status = q.has('status') ? q.get('status') : null;
  if (status !== null && !STATUSES.includes(status)) return fail(res, 400, 'VALIDATION', 'Unknown status.');
  let after = null;
  if (q.has('cursor')) {
    after = unsign(q.get('cursor'));
    if (!after || after.p !== projectId || (OFFSET ? typeof after.o !== 'number' : typeof after.t !== 'string' || typeof after.i !== 'string')) {
      return fail(res, 400, 'VALIDATION', 'Invalid cursor.');
    }
  }
  const where = ['project_id = $1', 'archived_at IS NULL'];
  const params = [projectId];
  if (status) where.push(`status = $${params.push(status)}`);
  if (after && !OFFSET) where.push(`(created_at, id) < ($${params.push(after.t)}::timestamptz, $${params.push(after.i)})`);
  const offset = after && OFFSET ? after.o : 0;
  const rows = (await pool.query(
    `SELECT id, name, gender, age_range, status, thumbnail_url,
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created
       FROM influencers WHERE ${where.join(' AND ')}
      ORDER BY created_at DESC, id DESC LIMIT ${limit + 1} OFFSET ${offset}`, params)).rows;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  send(res, 200, {
    items: page.map((r) => ({ influencerId: r.id, name: r.name, gender: r.gender, ageRange: r.age_range,
      status: r.status, thumbnailUrl: r.thumbnail_url, createdAt: r.created })),
    nextCursor: rows.length > limit ? sign(OFFSET ? { p: projectId, o: offset + limit } : { p: projectId, t: last.created, i: last.id }) : null,
  });
}

async function main() {
  const f = args['seed-only'] ? null : await seed();
  http.createServer((req, res) => handle(req, res).catch((e) => { console.error(e); fail(res, 500, 'INTERNAL', 'error'); }))
    .listen(PORT, '127.0.0.1', () => {
      console.log(JSON.stringify({ url: `http://127.0.0.1:${PORT}`, full: FULL_KEY, noscope: NOSCOPE_KEY, ...f }));
    });
}
main();
