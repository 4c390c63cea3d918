// The /mcp endpoint through the official MCP TypeScript SDK, as a real
// client (tests/integration/test_mcp.py runs it under nginx and Apache, on
// both backends):
//
//   node mcp_client.mjs SDK URL KEY PROJECT ISSUE USERQUERY KBTEXT DESK TYPE
//
// SDK "v1": @modelcontextprotocol/sdk 1.32.2 (initialize, 2025-11-25);
// "v2": @modelcontextprotocol/client 2.4.0 pinned to 2026-07-28
// (server/discover, per-request _meta, input_required forms).  Connects
// with the API key as a bearer token, lists the tools, calls every tool
// once (knowledge first, as the instructions say: a search for KBTEXT,
// the best article read and marked as helped; then a draft filed through createDraft/updateDraft/submitDraft, then
// commented, moved and changed; another draft discarded), and runs the
// follow-up form: a createDraft without project and summary.  v2 answers
// the form through its elicitation handler and the retried call drafts
// the ticket; v1 gets the questions as a tool error.  Jira Service
// Management: lists the desks and requests, reads request type TYPE's
// fields in service desk project DESK, raises a request of it through
// createDraft/submitDraft, reads, comments, answers its approval when one
// waits for the person (else the call is expected to fail: "expectError"),
// and takes its first customer transition.  Prints one JSON
// document: {protocol, tools, calls: [{name, arguments, isError,
// structuredContent, text}], form: {...}}.  Exits 1 on a transport or
// protocol failure (a tool's isError is data, not a failure).

import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH || ".",
    "x.js"));
const [sdk, url, key, project, issue, userq, kbtext, desk, rtype] =
    process.argv.slice(2);
const headers = { Authorization: "Bearer " + key };
const out = { sdk, calls: [], form: {} };

async function connectV1() {
	const { Client } = await import(require.resolve(
	    "@modelcontextprotocol/sdk/client/index.js"));
	const { StreamableHTTPClientTransport } = await import(require.resolve(
	    "@modelcontextprotocol/sdk/client/streamableHttp.js"));
	const client = new Client({ name: "jta-test-v1", version: "1.0.0" },
	    { capabilities: {} });
	const transport = new StreamableHTTPClientTransport(new URL(url),
	    { requestInit: { headers } });
	await client.connect(transport);
	out.protocol = transport.protocolVersion ?? null;
	out.session = transport.sessionId ?? null;
	return client;
}

async function connectV2() {
	const mod = await import(require.resolve(
	    "@modelcontextprotocol/client"));
	const client = new mod.Client({ name: "jta-test-v2",
	    version: "1.0.0" }, {
		capabilities: { elicitation: { form: {} } },
		versionNegotiation: { mode: { pin: "2026-07-28" } },
	});
	// The person fills the follow-up form: every field asked for, with
	// the project given on the command line and a summary of our own.
	client.setRequestHandler("elicitation/create", async (request) => {
		const params = request.params ?? request;
		const schema = params.requestedSchema ?? {};
		out.form.asked = Object.keys(schema.properties ?? {}).sort();
		out.form.schema = schema;
		const content = {};
		for (const [k, v] of Object.entries(schema.properties ?? {})) {
			if (k === "project")
				content[k] = project;
			else if (Array.isArray(v.enum) && v.enum.length > 0)
				content[k] = v.enum[0];
			else
				content[k] = "Filed through the follow-up form";
		}
		return { action: "accept", content };
	});
	const transport = new mod.StreamableHTTPClientTransport(new URL(url),
	    { requestInit: { headers } });
	await client.connect(transport);
	out.protocol = client.getNegotiatedProtocolVersion?.() ?? "2026-07-28";
	return client;
}

async function call(client, name, args) {
	let r;
	try {
		r = await client.callTool({ name, arguments: args });
	} catch (err) {
		// A protocol failure of one call is recorded, and the run
		// goes on (exit status 1 at the end).
		const row = { name, arguments: args, isError: true,
		    structuredContent: null, failure: String(err) };
		out.calls.push(row);
		out.failed = true;
		return row;
	}
	const text = (r.content ?? []).filter((b) => b.type === "text")
	    .map((b) => b.text).join("\n");
	const row = { name, arguments: args, isError: !!r.isError,
	    structuredContent: r.structuredContent ?? null, text };
	out.calls.push(row);
	return row;
}

async function main() {
	const client = sdk === "v1" ? await connectV1() : await connectV2();
	const listed = await client.listTools();
	out.tools = listed.tools.map((t) => ({ name: t.name,
	    inputSchema: t.inputSchema, annotations: t.annotations ?? null,
	    meta: t._meta ?? null, hasOutputSchema: !!t.outputSchema }));
	out.instructions = client.getInstructions?.() ?? null;

	// Knowledge before tickets: search, read the best article, say it
	// helped.
	const k = await call(client, "searchKnowledge", { text: kbtext,
	    limit: 3 });
	const art = k.structuredContent?.articles?.[0]?.id ?? "kb-0";
	await call(client, "getKnowledgeArticle", { id: art });
	await call(client, "markKnowledgeHelped", { id: art });
	await call(client, "getMe", {});
	await call(client, "listProjects", {});
	await call(client, "getCreateFields", { key: project });
	await call(client, "findSimilar", { text: "printer jammed" });
	await call(client, "findUsers", { query: userq });
	await call(client, "searchIssues", { project, limit: 5 });
	await call(client, "getIssue", { key: issue });
	// The ticket has no attachments: the tool answers an error naming
	// id (404), through the same row as the REST path.
	const at = await call(client, "getAttachmentText", { key: issue,
	    id: "999999" });
	at.expectError = true;
	out.attachmentText = at.structuredContent;
	const d = await call(client, "createDraft", { project,
	    summary: "Filed over MCP (" + sdk + ")",
	    description: "Made by **mcp_client.mjs**." });
	const id = d.structuredContent?.id;
	await call(client, "getDraft", { id });
	const e = await call(client, "updateDraft", { id,
	    summary: "Filed over MCP (" + sdk + ", edited)" });
	const s = await call(client, "submitDraft", { id,
	    revision: e.structuredContent?.revision ?? 0 });
	const made = s.structuredContent?.issue?.key ?? issue;
	await call(client, "addComment", { key: made,
	    body: "A comment over MCP" });
	// A file whose link is off the allow-list (no file host here):
	// refused, naming openaiFileIdRefs, nothing fetched.
	const af = await call(client, "attachFiles", { key: made,
	    openaiFileIdRefs: [{ name: "shot.png", id: "file-mcp",
	    mime_type: "image/png",
	    download_link: "https://files.invalid/shot.png" }] });
	af.expectError = true;
	const t = await call(client, "listTransitions", { key: made });
	const to = t.structuredContent?.transitions?.[0]?.to ?? "Done";
	await call(client, "transitionIssue", { key: made, to });
	await call(client, "updateIssue", { key: made, labels: ["mcp"] });
	const d2 = await call(client, "createDraft", { project,
	    summary: "A draft to throw away" });
	await call(client, "discardDraft", { id: d2.structuredContent?.id });

	// Jira Service Management: a request raised as the GPT raises
	// (a draft with a request type), then worked on.
	await call(client, "listServiceDesks", {});
	const rf = await call(client, "getCreateFields", { key: desk,
	    request_type: rtype });
	const fields = {};
	for (const f of rf.structuredContent?.fields ?? [])
		if (f.required && f.id !== "summary" &&
		    Array.isArray(f.allowed) && f.allowed.length > 0 &&
		    f.default === undefined)
			fields[f.name] = f.allowed[0];
	const rd = await call(client, "createDraft", { project: desk,
	    request_type: rtype, summary: "Raised over MCP (" + sdk + ")",
	    fields });
	const rs = await call(client, "submitDraft", {
	    id: rd.structuredContent?.id,
	    revision: rd.structuredContent?.revision ?? 0 });
	const rkey = rs.structuredContent?.issue?.key ?? desk + "-1";
	out.request = rkey;
	const mine = await call(client, "listRequests",
	    { mine: "approver", status: "open" });
	const waits = (mine.structuredContent?.requests ?? [])
	    .some((r) => r.key === rkey);
	await call(client, "getRequest", { key: rkey });
	await call(client, "commentOnRequest", { key: rkey,
	    body: "A comment on the request over MCP" });
	const ap = await call(client, "answerApproval", { key: rkey,
	    decision: "approve" });
	ap.expectError = !waits;
	const mv = await call(client, "listRequestMoves", { key: rkey });
	const move = mv.structuredContent?.transitions?.[0]?.name ?? "none";
	await call(client, "moveRequest", { key: rkey, to: move });

	// The follow-up form: nothing but a description.
	const f = await call(client, "createDraft",
	    { description: "The wifi on floor 2 drops every hour" });
	out.form.result = f;
	await client.close();
	process.stdout.write(JSON.stringify(out));
	if (out.failed)
		process.exit(1);
}

main().catch((err) => {
	process.stdout.write(JSON.stringify(out));
	process.stderr.write("mcp_client: " + (err?.stack ?? err) + "\n");
	process.exit(1);
});
