// A generic OpenAPI client (openapi-client-axios) loads the schema the
// server serves at /openapi.yaml and calls every operation in it by its
// operationId, against the running server; each answer must have a status
// the operation declares, the media type declared for it, and a body that
// validates (Ajv, JSON Schema 2020-12) against the declared schema, with
// every object closed (no member the schema does not name): the schema and
// the server cannot drift apart without this failing.
//     node test_schema_client.js BASE_URL API_KEY ISSUE_KEY PROJECT USER
// (USER: the name getMe should answer for API_KEY).
// Prints "ok - ..." / "not ok - ..." per case (test_schema_client.py
// counts them) and exits 1 when a case failed, 2 when it could not run.
'use strict';

const yaml = require('js-yaml');
const axios = require('axios');
const { OpenAPIClientAxios } = require('openapi-client-axios');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');

const [base, apiKey, issueKey, project, user] = process.argv.slice(2);
const failed = new Set();
let nfailed = 0;

function check(op, name, cond, detail) {
  if (cond) {
    console.log(`ok - ${op}: ${name}`);
  } else {
    nfailed++;
    failed.add(op);
    const d = detail === undefined ? '' : ' ' + JSON.stringify(detail);
    console.log(`not ok - ${op}: ${name}${d.slice(0, 600)}`);
  }
  return cond;
}

// A copy of a schema in which every object that lists its properties is
// closed (additionalProperties: false unless the schema says otherwise),
// and $refs to components point into the validator's own document.
function closed(schema) {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === '$ref' && typeof v === 'string') {
      out[k] = v.replace('#/components/schemas/', 'jta:components#/$defs/');
    } else if (k === 'properties' || k === '$defs') {
      out[k] = Object.fromEntries(Object.entries(v).map(
        ([n, s]) => [n, closed(s)]));
    } else {
      out[k] = closed(v);
    }
  }
  if (out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

function resolve(doc, obj) {
  while (obj && obj.$ref) {
    obj = obj.$ref.slice(2).split('/').reduce(
      (o, p) => o[p.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return obj;
}

async function main() {
  if (!base || !apiKey || !issueKey || !project || !user) {
    console.error('usage: node test_schema_client.js BASE_URL API_KEY ' +
      'ISSUE_KEY PROJECT USER');
    return 2;
  }
  // The schema as served, so public_url's substitution is what loads.
  const got = await axios.get(base + '/openapi.yaml',
    { responseType: 'text', transformResponse: (x) => x });
  const doc = yaml.load(got.data, { schema: yaml.JSON_SCHEMA });

  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true,
    allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'jta:components',
    $defs: closed(doc.components.schemas) });

  const api = new OpenAPIClientAxios({
    definition: doc,
    axiosConfigDefaults: {
      headers: { Authorization: 'Bearer ' + apiKey },
      // Every status reaches the checks below, errors included.
      validateStatus: () => true,
      timeout: 30000,
    },
  });
  const client = await api.init();
  const byId = {};
  for (const op of api.getOperations()) byId[op.operationId] = op;

  // Call operation id, then check what came back against its schema.
  const called = new Set();
  async function call(id, params, body, want, name) {
    called.add(id);
    const op = byId[id];
    if (!check(id, 'is in the schema', op !== undefined)) return null;
    let r;
    try {
      r = await client[id](params, body);
    } catch (e) {
      check(id, name + ': the call went through', false, String(e));
      return null;
    }
    const declared = op.responses || {};
    const spec = resolve(doc, declared[String(r.status)]);
    check(id, `${name}: answers ${want}`, r.status === want,
      { status: r.status, body: r.data });
    if (!check(id, `${name}: status ${r.status} is declared`,
      spec !== undefined, Object.keys(declared))) return r;
    // A status declared without content (204) must come without a body.
    if (spec.content === undefined) {
      check(id, `${name}: no body, as declared`,
        r.data === undefined || r.data === null || r.data === '',
        r.data);
      return r;
    }
    const ctype = String(r.headers['content-type'] || '')
      .split(';')[0].trim();
    const media = spec.content && spec.content[ctype];
    if (!check(id, `${name}: media type ${ctype} is declared`,
      media !== undefined, Object.keys(spec.content || {}))) return r;
    const validate = ajv.compile(closed(media.schema));
    check(id, `${name}: body matches the schema`, validate(r.data),
      { errors: validate.errors, body: r.data });
    return r;
  }

  const cases = {
    getMe: async () => {
      const r = await call('getMe', null, undefined, 200, 'who am I');
      check('getMe', 'names the key\'s user',
        r && r.data && r.data.name === user, r && r.data);
    },
    listProjects: async () => {
      const r = await call('listProjects', null, undefined, 200, 'list');
      check('listProjects', `lists ${project}`, r && r.data &&
        (r.data.projects || []).some((p) => p.key === project));
    },
    getCreateFields: async () => {
      await call('getCreateFields', { key: project }, undefined, 200,
        'default type');
      await call('getCreateFields', { key: project, type: 'Bug' },
        undefined, 200, 'type Bug');
      await call('getCreateFields', { key: 'NOSUCH' }, undefined, 404,
        'unknown project');
    },
    searchIssues: async () => {
      const r = await call('searchIssues', { project, limit: 5 },
        undefined, 200, 'by project');
      check('searchIssues', `finds ${issueKey}`, r && r.data &&
        (r.data.issues || []).some((i) => i.key === issueKey));
      await call('searchIssues', { text: 'printer', mine: 'reported',
        order: '-created', created_after: '2000-01-01' }, undefined, 200,
        'by text, mine and date');
      await call('searchIssues', { priority: 'Urgent' }, undefined, 422,
        'a priority not in the list');
    },
    getIssue: async () => {
      await call('getIssue', { key: issueKey }, undefined, 200, 'read');
      await call('getIssue', { key: project + '-99999' }, undefined, 404,
        'unknown key');
    },
    updateIssue: async () => {
      await call('updateIssue', { key: issueKey },
        { priority: 'Low', labels: ['printer', 'floor3'] }, 200,
        'priority and labels');
      await call('updateIssue', { key: issueKey }, { assignee: null,
        description: 'Jams on every **second** page.' }, 200,
        'description, unassign');
    },
    // No file host here: a link off the allow-list is refused before any
    // fetch, and the issue has no attachment 999999 (README "Attachments").
    attachFiles: async () => {
      const refs = [{ name: 'shot.png', id: 'file-schema',
        mime_type: 'image/png',
        download_link: 'https://files.invalid/shot.png' }];
      const r = await call('attachFiles', { key: issueKey },
        { openaiFileIdRefs: refs }, 422, 'a link off the allow-list');
      check('attachFiles', 'names openaiFileIdRefs', r && r.data &&
        r.data.field === 'openaiFileIdRefs', r && r.data);
      await call('attachFiles', { key: project + '-99999' },
        { openaiFileIdRefs: refs }, 404, 'unknown key');
    },
    getAttachmentText: async () => {
      const r = await call('getAttachmentText', { key: issueKey,
        id: '999999' }, undefined, 404, 'an attachment the issue has not');
      check('getAttachmentText', 'names id', r && r.data &&
        r.data.field === 'id', r && r.data);
    },
    addComment: async () => {
      await call('addComment', { key: issueKey },
        { body: 'Toner replaced; *watching* it.' }, 201, 'comment');
    },
    listTransitions: async () => {
      const r = await call('listTransitions', { key: issueKey }, undefined,
        200, 'list');
      check('listTransitions', 'offers In Progress', r && r.data &&
        (r.data.transitions || []).some((t) => t.to === 'In Progress'));
    },
    transitionIssue: async () => {
      await call('transitionIssue', { key: issueKey },
        { to: 'In Progress' }, 200, 'to In Progress');
      await call('transitionIssue', { key: issueKey }, { to: 'Closed' },
        409, 'a move the workflow forbids');
    },
    findSimilar: async () => {
      await call('findSimilar', { text: 'printer jammed', limit: 5 },
        undefined, 200, 'by text');
      await call('findSimilar', { text: 'printer', project }, undefined,
        200, 'in one project');
      await call('findSimilar', { text: 'wifi down', request_types: 'true' },
        undefined, 200, 'with request types');
    },
    findUsers: async () => {
      const r = await call('findUsers', { query: 'ali' }, undefined, 200,
        'by name');
      check('findUsers', 'finds Alice', r && r.data &&
        (r.data.users || []).some((u) => /^Alice/.test(u.name || '')),
        r && r.data);
    },
    // The draft journey: preview, read, change, submit, submit again.
    createDraft: async () => {
      const r = await call('createDraft', null, {
        project, summary: 'Scanner on floor 2 is offline', type: 'Bug',
        description: 'It shows **offline** since this morning.',
        priority: 'High', labels: ['scanner'],
      }, 201, 'preview');
      drafts.id = r && r.data && r.data.id;
      drafts.revision = r && r.data && r.data.revision;
      await call('createDraft', null, { project, type: 'Bug' }, 422,
        'summary missing');
    },
    getDraft: async () => {
      await call('getDraft', { id: drafts.id || unknownDraft }, undefined,
        200, 'read');
      await call('getDraft', { id: unknownDraft }, undefined, 404,
        'unknown id');
    },
    updateDraft: async () => {
      const r = await call('updateDraft', { id: drafts.id || unknownDraft },
        { priority: 'Medium' }, 200, 'priority');
      if (r && r.data && r.data.revision) drafts.revision = r.data.revision;
    },
    submitDraft: async () => {
      const id = drafts.id || unknownDraft;
      await call('submitDraft', { id }, { revision: 999 }, 409,
        'a revision the person did not see');
      const r1 = await call('submitDraft', { id },
        { revision: drafts.revision || 1 }, 201, 'creates');
      const r2 = await call('submitDraft', { id },
        { revision: drafts.revision || 1 }, 200, 'again: the same ticket');
      check('submitDraft', 'a second submit creates nothing new',
        r1 && r2 && r1.data && r2.data && r1.data.issue &&
        r2.data.issue && r1.data.issue.key === r2.data.issue.key);
    },
    // Discard a draft of its own; the submitted one cannot be.
    discardDraft: async () => {
      const r = await call('createDraft', null, {
        project, summary: 'Draft to throw away' }, 201, 'a draft to drop');
      const id = (r && r.data && r.data.id) || unknownDraft;
      await call('discardDraft', { id }, undefined, 204, 'discard');
      await call('getDraft', { id }, undefined, 404, 'gone after discard');
      await call('discardDraft', { id }, undefined, 404, 'discard again');
      await call('discardDraft', { id: drafts.id || unknownDraft },
        undefined, 409, 'a submitted draft');
    },
  };
  // Jira Service Management: the stack has no service desk (the
  // embedded store has none; the stand-in's is off), so the lists are
  // empty and a request is not found.
  Object.assign(cases, {
    listServiceDesks: async () => {
      const r = await call('listServiceDesks', null, undefined, 200,
        'no desks');
      check('listServiceDesks', 'an empty list', r && r.data &&
        Array.isArray(r.data.servicedesks) &&
        r.data.servicedesks.length === 0, r && r.data);
    },
    listRequests: async () => {
      await call('listRequests', { status: 'open', mine: 'approver' },
        undefined, 200, 'none waiting');
      await call('listRequests', { status: 'sometimes' }, undefined, 422,
        'a bad status');
    },
    getRequest: async () => {
      await call('getRequest', { key: noRequest }, undefined, 404,
        'no such request');
    },
    commentOnRequest: async () => {
      await call('commentOnRequest', { key: noRequest }, { body: 'Hi' },
        404, 'no such request');
      await call('commentOnRequest', { key: noRequest },
        { body: 'Hi', visibility: 'secret' }, 422, 'a bad visibility');
    },
    listRequestMoves: async () => {
      await call('listRequestMoves', { key: noRequest }, undefined, 404,
        'no such request');
    },
    moveRequest: async () => {
      await call('moveRequest', { key: noRequest },
        { to: 'Cancel request' }, 404, 'no such request');
    },
    answerApproval: async () => {
      await call('answerApproval', { key: noRequest },
        { decision: 'approve' }, 404, 'no such request');
    },
  });
  // Knowledge before tickets: the stack imports no article, so a search
  // finds none and an article id is not found.
  Object.assign(cases, {
    searchKnowledge: async () => {
      const r = await call('searchKnowledge', { text: 'printer jammed',
        limit: 3 }, undefined, 200, 'no articles');
      check('searchKnowledge', 'a list', r && r.data &&
        Array.isArray(r.data.articles), r && r.data);
      await call('searchKnowledge', { text: 'printer', limit: 99 },
        undefined, 422, 'a limit over 20');
    },
    getKnowledgeArticle: async () => {
      await call('getKnowledgeArticle', { id: 'kb-999999' }, undefined,
        404, 'no such article');
    },
    markKnowledgeHelped: async () => {
      await call('markKnowledgeHelped', { id: 'kb-999999' }, undefined,
        404, 'no such article');
    },
  });
  const noRequest = project + '-999999';
  const drafts = {};
  const unknownDraft = 'd_' + 'A'.repeat(22);

  // Every operation of the schema has a case, and every case an
  // operation: a new operation without a test fails here.
  for (const id of Object.keys(byId)) {
    check(id, 'has a case in test_schema_client.js', id in cases);
  }
  for (const id of Object.keys(cases)) {
    check(id, 'is an operation of the schema', id in byId);
  }
  for (const [id, run] of Object.entries(cases)) {
    if (id in byId) await run();
  }
  for (const id of Object.keys(byId)) {
    check(id, 'was called', called.has(id));
  }
  const all = Object.keys(byId).length;
  console.log(`operations: ${all - failed.size} of ${all} passed` +
    (failed.size ? `; failed: ${[...failed].sort().join(', ')}` : ''));
  return nfailed ? 1 : 0;
}

main().then((rc) => process.exit(rc), (e) => {
  console.error('the schema client could not run:',
    e && e.stack ? e.stack : e);
  process.exit(2);
});
