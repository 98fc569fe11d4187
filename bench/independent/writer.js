// A writer that keeps the project alive while the suite runs: creates an influencer every
// --create-ms, moves one a step along draft -> pending -> training -> ready|failed every --move-ms,
// archives one every --archive-ms. Prints a line per change.
'use strict';
const crypto = require('crypto');
const { Pool } = require('pg');
const args = Object.fromEntries(process.argv.slice(2).map((a, i, all) => [a, all[i + 1]]).filter(([a]) => a.startsWith('--')).map(([a, v]) => [a.slice(2), v]));
const pool = new Pool({ host: '127.0.0.1', port: 55432, user: 'postgres', database: 'postgres', max: 2 });
const project = args.project;
const NEXT = { draft: 'pending', pending: 'training', training: null };
let n = 0;
async function create() {
  const id = 'inf_' + crypto.randomBytes(10).toString('hex');
  await pool.query(`INSERT INTO influencers VALUES ($1,$2,$3,'female','25-34','draft','https://media.example.com/new.jpg',now(),null)`, [id, project, `New ${n++}`]);
  console.log('created', id);
}
async function move() {
  const r = await pool.query(`SELECT id, status FROM influencers WHERE project_id=$1 AND archived_at IS NULL AND status IN ('draft','pending','training') ORDER BY random() LIMIT 1`, [project]);
  if (!r.rows.length) return;
  const { id, status } = r.rows[0];
  const to = NEXT[status] || (Math.random() < 0.8 ? 'ready' : 'failed');
  await pool.query('UPDATE influencers SET status=$2 WHERE id=$1', [id, to]);
  console.log('moved', id, status, '->', to);
}
async function archive() {
  const r = await pool.query(`UPDATE influencers SET archived_at=now() WHERE id = (SELECT id FROM influencers WHERE project_id=$1 AND archived_at IS NULL ORDER BY random() LIMIT 1) RETURNING id`, [project]);
  if (r.rows.length) console.log('archived', r.rows[0].id);
}
setInterval(() => create().catch(console.error), Number(args['create-ms'] || 500));
setInterval(() => move().catch(console.error), Number(args['move-ms'] || 1500));
if (args['archive-ms']) setInterval(() => archive().catch(console.error), Number(args['archive-ms']));
