// MongoDB stand-in for tests: CongoDB (the in-memory MongoDB wire-protocol
// server compiled inside the npm tarball of @push.rocks/smartmongo@2.2.0,
// fetched into ./dist by fetch.sh) plus the shims it needs to serve
// django-mongodb-backend through the real pymongo driver.
//
//   node server.mjs [PORT]           (or CONGODB_PORT; 0 = pick a free port)
//        [--exit-with-stdin]         (exit when stdin closes: no orphans)
//
// Prints one line `CONGODB_READY port=NNNNN` on stdout once it accepts
// connections. Data lives in memory only and is gone when it exits.
import { Aggregator, Query } from 'mingo';
import { EJSON, Long, ObjectId } from 'bson';
import { CongoServer, MemoryStorageAdapter, UpdateEngine, CommandRouter } from './dist/index.js';
import { AggregateHandler } from './dist/server/handlers/AggregateHandler.js';
import { IndexHandler } from './dist/server/handlers/IndexHandler.js';
import { HelloHandler } from './dist/server/handlers/HelloHandler.js';

const isPlainObject = (v) =>
  v !== null && typeof v === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(v));
const getPath = (doc, path) => path.split('.').reduce((v, k) => (v == null ? undefined : v[k]), doc);

// ---------------------------------------------------------------------------
// Shim 1: pymongo sends `buildinfo` in lower case; CongoDB only knows `buildInfo`.
const route = CommandRouter.prototype.route;
CommandRouter.prototype.route = function (parsed) {
  if (parsed.commandName === 'buildinfo') {
    parsed = { ...parsed, commandName: 'buildInfo', command: { buildInfo: 1, ...parsed.command } };
  }
  return route.call(this, parsed);
};

// ---------------------------------------------------------------------------
// Shim 4: in MongoDB, `$addFields`/`$set` with an embedded document literal
// ({a: {b: 1}}) merges into an existing embedded document `a`; mingo replaces
// `a`. Rewrite each such literal as {$mergeObjects: [<a if it is a document,
// else {}>, {...}]}, recursively, in every (sub-)pipeline we evaluate.
const isNestedSpec = (v) =>
  isPlainObject(v) && Object.keys(v).length > 0 && !Object.keys(v).some((k) => k.startsWith('$'));
function mergeNested(spec, prefix = '') {
  return Object.fromEntries(Object.entries(spec).map(([k, v]) => {
    if (!isNestedSpec(v)) return [k, v];
    const path = `$${prefix}${k}`;
    const current = { $cond: [{ $eq: [{ $type: path }, 'object'] }, path, {}] };
    return [k, { $mergeObjects: [current, mergeNested(v, `${prefix}${k}.`)] }];
  }));
}
function fixPipeline(pipeline) {
  return pipeline.map((stage) => {
    const [[name, spec]] = Object.entries(stage);
    if ((name === '$addFields' || name === '$set') && isPlainObject(spec)) return { [name]: mergeNested(spec) };
    if (name === '$lookup' && spec.localField && spec.foreignField && Array.isArray(spec.pipeline)) {
      // Shim 6 (found while verifying): given localField/foreignField *and* a
      // pipeline (MongoDB 5 syntax, used by the backend for every join), mingo
      // runs the pipeline over the whole foreign collection, so joined filters
      // match every row. Express the join as let + $match instead.
      const { localField, foreignField, pipeline, ...rest } = spec;
      const [local, foreign] = ['$$congoLocal', `$${foreignField}`];
      const join = { $cond: [{ $isArray: local }, { $in: [foreign, local] }, { $eq: [foreign, local] }] };
      return fixPipeline([{
        $lookup: { ...rest, let: { ...rest.let, congoLocal: `$${localField}` }, pipeline: [{ $match: { $expr: join } }, ...pipeline] },
      }])[0];
    }
    if ((name === '$lookup' || name === '$unionWith') && Array.isArray(spec?.pipeline)) {
      return { [name]: { ...spec, pipeline: fixPipeline(spec.pipeline) } };
    }
    if (name === '$facet') {
      return { $facet: Object.fromEntries(Object.entries(spec).map(([k, p]) => [k, fixPipeline(p)])) };
    }
    return stage;
  });
}
// Shim 7: mingo's date operators take only UTC offsets ("+01:00"), not the zone
// names ("UTC", "Europe/London") the backend sends for datetimes()/dates() and
// Trunc. Replace a name by its offset now (DST across dates is not modelled:
// fine for tests, which is all this server is for).
function zoneOffset(zone) {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(new Date()).find((p) => p.type === 'timeZoneName').value; // "GMT+01:00" or "GMT"
  return part === 'GMT' ? '+00:00' : part.slice(3);
}
// Only inside date operators: a document field may well be called "timezone".
const DATE_OPERATOR = /^\$(date|year|isoWeekYear|month|week|isoWeek|dayOf|isoDayOfWeek|hour|minute|second|millisecond)/;
function fixTimezones(value, inDateOperator = false) {
  if (Array.isArray(value)) return value.map((v) => fixTimezones(v));
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [
    k,
    inDateOperator && k === 'timezone' && typeof v === 'string' && !/^[+-]\d/.test(v)
      ? zoneOffset(v)
      : fixTimezones(v, DATE_OPERATOR.test(k)),
  ]));
}
const runPipeline = (docs, pipeline, options = {}) =>
  new Aggregator(fixTimezones(fixPipeline(pipeline)), options).run(docs);

// Every aggregate runs through mingo in one go, with other collections of the
// same database resolvable. (CongoDB's own $lookup only understands
// localField/foreignField and ignores `let`/`pipeline`, which
// django-mongodb-backend uses for every join.)
AggregateHandler.prototype.hasSpecialStages = () => true;
AggregateHandler.prototype.executeWithSpecialStages = async function (storage, database, documents, pipeline) {
  const collectionResolver = (name) => [...(storage.databases.get(database)?.get(name)?.values() ?? [])];
  return runPipeline(documents, pipeline, { collectionResolver });
};

// ---------------------------------------------------------------------------
// Shim 2: updates written as aggregation pipelines (`u: [{$set: ...}, ...]`),
// used by django-mongodb-backend for every save() of an existing row and for
// QuerySet.update(). CongoDB refuses them; evaluate the stages with mingo.
const applyUpdate = UpdateEngine.applyUpdate;
UpdateEngine.applyUpdate = function (document, update, arrayFilters) {
  if (!Array.isArray(update)) return applyUpdate.call(this, document, update, arrayFilters);
  const [result] = runPipeline([document], update);
  return { ...result, _id: document._id }; // _id is immutable
};

// ---------------------------------------------------------------------------
// Shim 5 (found while verifying): CongoDB's storage turns every `_id` into an
// ObjectId (a 24-hex string silently becomes one, anything else throws), so
// string primary keys cannot be stored or found. Key documents by a
// type-aware string instead, as MongoDB does (ObjectId("ab..") != "ab..").
const idKey = (id) => (id instanceof ObjectId ? id.toHexString() : `ejson:${EJSON.stringify(id, { relaxed: false })}`);

// ---------------------------------------------------------------------------
// Shim 3: unique indexes (compound, sparse, partial) are not enforced by
// CongoDB, and its index cache outlives dropped databases. Keep index specs in
// the storage (they are dropped with their collection) and check them on
// every insert/update with MongoDB's error text, which the backend turns into
// IntegrityError.
function bsonTypes(v) {
  if (v === undefined) return ['missing'];
  if (v === null) return ['null'];
  if (typeof v === 'number') return ['number', 'double', ...(Number.isInteger(v) ? ['int', 'long'] : [])];
  if (typeof v === 'string') return ['string'];
  if (typeof v === 'boolean') return ['bool'];
  if (Array.isArray(v)) return ['array'];
  if (v instanceof Date) return ['date'];
  if (v instanceof RegExp) return ['regex'];
  if (isPlainObject(v)) return ['object'];
  const name = { ObjectId: 'objectId', Decimal128: 'decimal', Binary: 'binData', UUID: 'binData', Long: 'long', Int32: 'int', Double: 'double', BSONRegExp: 'regex', Timestamp: 'timestamp' }[v._bsontype];
  return name === 'long' || name === 'int' || name === 'double' || name === 'decimal' ? [name, 'number'] : [name];
}
// A partialFilterExpression may only use a few operators. mingo handles them
// all except `$type` on BSON classes ("objectId", "decimal", ...), checked here.
function matchesFilter(doc, filter) {
  const rest = {};
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' && !v.every((f) => matchesFilter(doc, f))) return false;
    if (k === '$or' && !v.some((f) => matchesFilter(doc, f))) return false;
    if (k === '$and' || k === '$or') continue;
    if (isPlainObject(v) && '$type' in v) {
      const { $type, ...ops } = v;
      const types = bsonTypes(getPath(doc, k));
      if (![].concat($type).some((t) => types.includes(t))) return false;
      if (Object.keys(ops).length) rest[k] = ops;
    } else rest[k] = v;
  }
  return new Query(rest).test(doc);
}
const inIndex = (doc, idx) =>
  (!idx.sparse || Object.keys(idx.key).some((f) => getPath(doc, f) !== undefined)) &&
  (!idx.partialFilterExpression || matchesFilter(doc, idx.partialFilterExpression));
const keyValue = (doc, idx) => Object.fromEntries(Object.keys(idx.key).map((f) => [f, getPath(doc, f) ?? null]));
const keyString = (doc, idx) => EJSON.stringify(Object.values(keyValue(doc, idx)), { relaxed: true });
// A stored document's key per index (null: not in it), computed once: stored documents are
// replaced, never changed in place, so scanning a collection on each insert stays cheap (a
// bulk insert was quadratic in EJSON work: ~35 s for 850 rows into a collection of 850).
const storedKeys = new WeakMap();
function storedKey(doc, idx) {
  let keys = storedKeys.get(doc);
  if (!keys) storedKeys.set(doc, (keys = new Map()));
  if (!keys.has(idx.name)) keys.set(idx.name, inIndex(doc, idx) ? keyString(doc, idx) : null);
  return keys.get(idx.name);
}
function duplicateKeyError(db, coll, idx, doc) {
  const kv = keyValue(doc, idx);
  return Object.assign(
    new Error(`E11000 duplicate key error collection: ${db}.${coll} index: ${idx.name} dup key: ${EJSON.stringify(kv)}`),
    { code: 11000, codeName: 'DuplicateKey', keyPattern: idx.key, keyValue: kv },
  );
}
function checkUnique(storage, db, coll, doc) {
  const docs = storage.databases.get(db)?.get(coll) ?? new Map();
  for (const idx of storage.indexes.get(db)?.get(coll) ?? []) {
    if (!idx.unique || idx.name === '_id_' || !inIndex(doc, idx)) continue;
    const key = keyString(doc, idx);
    for (const [otherId, other] of docs) {
      if (otherId !== idKey(doc._id) && storedKey(other, idx) === key) {
        throw duplicateKeyError(db, coll, idx, doc);
      }
    }
  }
}

Object.assign(MemoryStorageAdapter.prototype, {
  async insertOne(db, coll, doc) {
    const docs = this.ensureCollection(db, coll);
    const stored = { ...doc, _id: doc._id ?? new ObjectId() };
    if (docs.has(idKey(stored._id))) {
      throw duplicateKeyError(db, coll, { name: '_id_', key: { _id: 1 } }, stored);
    }
    checkUnique(this, db, coll, stored);
    docs.set(idKey(stored._id), stored);
    return stored;
  },
  async findById(db, coll, id) {
    return this.ensureCollection(db, coll).get(idKey(id)) ?? null;
  },
  async updateById(db, coll, id, doc) {
    const docs = this.ensureCollection(db, coll);
    if (!docs.has(idKey(id))) return false;
    checkUnique(this, db, coll, doc);
    docs.set(idKey(id), doc);
    return true;
  },
  async deleteById(db, coll, id) {
    return this.ensureCollection(db, coll).delete(idKey(id));
  },
});

const indexName = (key) => Object.entries(key).map(([f, dir]) => `${f}_${dir}`).join('_');
const nsNotFound = (db, coll) => ({ ok: 0, errmsg: `ns not found ${db}.${coll}`, code: 26, codeName: 'NamespaceNotFound' });
Object.assign(IndexHandler.prototype, {
  async handleCreateIndexes({ storage, database: db, command }) {
    const coll = command.createIndexes;
    await storage.createCollection(db, coll);
    const numIndexesBefore = (await storage.getIndexes(db, coll)).length;
    for (const { key, name = indexName(key), ...options } of command.indexes ?? []) {
      const idx = { name, key, ...options };
      if (idx.unique) {
        const seen = new Set();
        for (const doc of await storage.findAll(db, coll)) {
          if (!inIndex(doc, idx)) continue;
          const k = keyString(doc, idx);
          if (seen.has(k)) {
            const err = duplicateKeyError(db, coll, idx, doc);
            return { ok: 0, errmsg: err.message, code: err.code, codeName: err.codeName };
          }
          seen.add(k);
        }
      }
      if (name !== '_id_') await storage.saveIndex(db, coll, name, { key, ...options });
    }
    const numIndexesAfter = (await storage.getIndexes(db, coll)).length;
    return { ok: 1, numIndexesBefore, numIndexesAfter, createdCollectionAutomatically: false };
  },
  async handleDropIndexes({ storage, database: db, command }) {
    const coll = command.dropIndexes;
    if (!(await storage.collectionExists(db, coll))) return nsNotFound(db, coll);
    const indexes = await storage.getIndexes(db, coll);
    const nIndexesWas = indexes.length;
    const wanted = command.index;
    const names = wanted === '*' ? indexes.map((i) => i.name).filter((n) => n !== '_id_')
      : typeof wanted === 'string' ? [wanted]
      : Array.isArray(wanted) ? wanted
      : indexes.filter((i) => JSON.stringify(i.key) === JSON.stringify(wanted)).map((i) => i.name);
    for (const name of names) {
      if (!indexes.some((i) => i.name === name)) {
        return { ok: 0, errmsg: `index not found with name [${name}]`, code: 27, codeName: 'IndexNotFound' };
      }
      await storage.dropIndex(db, coll, name);
    }
    return { ok: 1, nIndexesWas };
  },
  async handleListIndexes({ storage, database: db, command }) {
    const coll = command.listIndexes;
    if (!(await storage.collectionExists(db, coll))) return nsNotFound(db, coll);
    const firstBatch = (await storage.getIndexes(db, coll)).map(({ name, key, ...rest }) => ({ v: 2, key, name, ...(name === '_id_' ? {} : rest) }));
    return { ok: 1, cursor: { id: Long.ZERO, ns: `${db}.${coll}`, firstBatch } };
  },
});

// ---------------------------------------------------------------------------
// Shim 8: awaitable hello. A driver's monitor thread sends `hello` with the
// topologyVersion it last saw and maxAwaitTimeMS, and MongoDB answers when the
// topology changes or that time is up (nothing changes here). CongoDB answered
// at once, with a new processId each time, so pymongo asked again at once: each
// test process's monitor thread spun for the whole run (measured: ~55 % of a
// core in Python and ~30 % in Node per test process, load average 40-60 on two
// cores during the MongoDB pass, and browser tests timing out).
let topologyVersion;
const hello = HelloHandler.prototype.handle;
HelloHandler.prototype.handle = async function (context) {
  const response = await hello.call(this, context);
  topologyVersion ??= response.topologyVersion;
  response.topologyVersion = topologyVersion;
  const { topologyVersion: seen, maxAwaitTimeMS } = context.command;
  if (seen?.processId?.toHexString?.() === topologyVersion.processId.toHexString() && maxAwaitTimeMS) {
    await new Promise((resolve) => setTimeout(resolve, Number(maxAwaitTimeMS)).unref());
  }
  return response;
};

// ---------------------------------------------------------------------------
const args = process.argv.slice(2);
const port = Number(args.find((a) => /^\d+$/.test(a)) ?? process.env.CONGODB_PORT ?? 0);
const host = process.env.CONGODB_HOST ?? '127.0.0.1';
const server = new CongoServer({ host, port, storage: 'memory' });
let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await server.stop().catch(() => {});
  process.exit(0);
}
// Handlers go in before the ready line, so a signal right after it is handled.
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
if (args.includes('--exit-with-stdin')) {
  process.stdin.on('end', shutdown).on('close', shutdown).resume();
}
await server.start();
console.log(`CONGODB_READY port=${server.server.address().port}`);
